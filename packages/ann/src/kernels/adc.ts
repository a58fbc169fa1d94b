/**
 * Asymmetric distance computation (ADC) kernels for product-quantised codes: each code is
 * `m` bytes, each byte indexes a row of `ksub` entries in a per-query lookup table, and a
 * code's score is the sum of its `m` table entries. These loops are the inner loop of
 * IVF-PQ search, so they take flat typed arrays and offsets and allocate nothing.
 */

/**
 * Scores `count` consecutive codes starting at code number `start`:
 * `out[outOffset + i] = bias + Σ_j table[j * ksub + codes[(start + i) * m + j]]`.
 * @param codes row-major codes, `m` bytes each
 * @param table `m * ksub` entries, subspace-major
 */
export function adcScan(
  codes: Uint8Array,
  start: number,
  count: number,
  m: number,
  ksub: number,
  table: Float32Array,
  bias: number,
  out: Float32Array,
  outOffset: number,
): void {
  if (ksub === 256 && (m & 3) === 0) {
    adcScan256x4(codes, start, count, m, table, bias, out, outOffset)
    return
  }
  let c = start * m
  for (let i = 0; i < count; i++) {
    let s = bias
    let t = 0
    for (let j = 0; j < m; j++) {
      s += table[t + codes[c + j]!]!
      t += ksub
    }
    out[outOffset + i] = s
    c += m
  }
}

/** The common case (256 centroids, `m` a multiple of 4): four lookups per step, two accumulators. */
function adcScan256x4(
  codes: Uint8Array,
  start: number,
  count: number,
  m: number,
  table: Float32Array,
  bias: number,
  out: Float32Array,
  outOffset: number,
): void {
  let c = start * m
  for (let i = 0; i < count; i++) {
    let s0 = bias
    let s1 = 0
    for (let j = 0; j < m; j += 4) {
      const t = j << 8
      s0 += table[t + codes[c + j]!]! + table[t + 256 + codes[c + j + 1]!]!
      s1 += table[t + 512 + codes[c + j + 2]!]! + table[t + 768 + codes[c + j + 3]!]!
    }
    out[outOffset + i] = s0 + s1
    c += m
  }
}

/** The reference ADC loop, one lookup at a time in float64; tests compare the fast kernels against it. */
export function adcScanReference(
  codes: Uint8Array,
  start: number,
  count: number,
  m: number,
  ksub: number,
  table: Float32Array,
  bias: number,
  out: Float64Array,
): void {
  for (let i = 0; i < count; i++) {
    let s = bias
    for (let j = 0; j < m; j++) s += table[j * ksub + codes[(start + i) * m + j]!]!
    out[i] = s
  }
}
