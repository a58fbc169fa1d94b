// AssemblyScript source of the WASM kernels of @frugal/ann (compiled by
// `pnpm run build:wasm` to kernels.wasm, which is committed). The host owns the layout of
// the linear memory: codes, query and output live at byte offsets it passes in.

/**
 * Hamming distances from the query at `queryPtr` to `count` codes at `codesPtr`; each code
 * is `words64` 64-bit words (zero padded). Writes one u16 per code at `outPtr`.
 * Uses 128-bit SIMD (XOR, per-byte popcount, byte-lane sums) on pairs of words, with a
 * scalar 64-bit popcount for an odd last word.
 */
export function hammingScan(codesPtr: usize, count: i32, words64: i32, queryPtr: usize, outPtr: usize): void {
  const pairs = words64 >> 1
  const odd = words64 & 1
  const stride = (<usize>words64) << 3
  let c = codesPtr
  for (let i = 0; i < count; i++) {
    // Byte lanes hold at most 8 per pair; flush to 16-bit lanes every 31 pairs.
    let acc16 = i16x8.splat(0)
    let acc8 = i8x16.splat(0)
    let inAcc = 0
    for (let p = 0; p < pairs; p++) {
      const x = v128.xor(v128.load(c + ((<usize>p) << 4)), v128.load(queryPtr + ((<usize>p) << 4)))
      acc8 = i8x16.add(acc8, i8x16.popcnt(x))
      if (++inAcc === 31) {
        acc16 = i16x8.add(acc16, i16x8.extadd_pairwise_i8x16_u(acc8))
        acc8 = i8x16.splat(0)
        inAcc = 0
      }
    }
    acc16 = i16x8.add(acc16, i16x8.extadd_pairwise_i8x16_u(acc8))
    const acc32 = i32x4.extadd_pairwise_i16x8_u(acc16)
    let total =
      i32x4.extract_lane(acc32, 0) +
      i32x4.extract_lane(acc32, 1) +
      i32x4.extract_lane(acc32, 2) +
      i32x4.extract_lane(acc32, 3)
    if (odd) {
      const o = (<usize>pairs) << 4
      total += <i32>popcnt<u64>(load<u64>(c + o) ^ load<u64>(queryPtr + o))
    }
    store<u16>(outPtr + ((<usize>i) << 1), <u16>total)
    c += stride
  }
}

/** Scalar variant (64-bit popcount per word), kept for hosts without SIMD and for comparison. */
export function hammingScanScalar(
  codesPtr: usize,
  count: i32,
  words64: i32,
  queryPtr: usize,
  outPtr: usize,
): void {
  const stride = (<usize>words64) << 3
  let c = codesPtr
  for (let i = 0; i < count; i++) {
    let total: u64 = 0
    for (let w = 0; w < words64; w++) {
      const o = (<usize>w) << 3
      total += popcnt<u64>(load<u64>(c + o) ^ load<u64>(queryPtr + o))
    }
    store<u16>(outPtr + ((<usize>i) << 1), <u16>total)
    c += stride
  }
}

/**
 * ADC scan of `count` product-quantised codes (`m` bytes each) starting at code `start`:
 * `out[i] = bias + Σ_j table[j * ksub + code_j]`, accumulated in f64 in the same order as
 * the TypeScript kernel (`src/kernels/adc.ts`), so both give the same bits. Writes one f32
 * per code at `outPtr`.
 */
export function adcScan(
  codesPtr: usize,
  start: i32,
  count: i32,
  m: i32,
  ksub: i32,
  tablePtr: usize,
  bias: f64,
  outPtr: usize,
): void {
  let c = codesPtr + <usize>start * <usize>m
  if (ksub === 256 && (m & 3) === 0) {
    for (let i = 0; i < count; i++) {
      let s0: f64 = bias
      let s1: f64 = 0
      let t = tablePtr
      for (let j = 0; j < m; j += 4) {
        s0 +=
          <f64>load<f32>(t + ((<usize>load<u8>(c + j)) << 2)) +
          <f64>load<f32>(t + 1024 + ((<usize>load<u8>(c + j + 1)) << 2))
        s1 +=
          <f64>load<f32>(t + 2048 + ((<usize>load<u8>(c + j + 2)) << 2)) +
          <f64>load<f32>(t + 3072 + ((<usize>load<u8>(c + j + 3)) << 2))
        t += 4096
      }
      store<f32>(outPtr + ((<usize>i) << 2), <f32>(s0 + s1))
      c += m
    }
    return
  }
  const row = (<usize>ksub) << 2
  for (let i = 0; i < count; i++) {
    let s: f64 = bias
    let t = tablePtr
    for (let j = 0; j < m; j++) {
      s += <f64>load<f32>(t + ((<usize>load<u8>(c + j)) << 2))
      t += row
    }
    store<f32>(outPtr + ((<usize>i) << 2), <f32>s)
    c += m
  }
}
