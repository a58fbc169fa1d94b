/**
 * Prefix dot products over candidate lists, in TypeScript: the fallback of the WASM SIMD
 * kernels `dotF32Rows` / `dotI8Rows` of `asm/kernels.ts`, operation for operation, so both
 * give the same bits. A candidate list is `count` consecutive rows from row `first`
 * (`ids` = null) or the rows `ids[0..count)`; rows are `stride` elements apart.
 */

const f = Math.fround

/**
 * `out[i] = Σ_{j<d} row_i[j] · q[j]` in float32 arithmetic: four lanes (lane l takes the
 * dims ≡ l mod 4), summed as (l0 + l1) + (l2 + l3), then the tail dims one by one.
 */
export function dotF32Rows(
  base: Float32Array,
  stride: number,
  ids: Int32Array | null,
  first: number,
  count: number,
  q: Float32Array,
  d: number,
  out: Float32Array,
): void {
  const d4 = d & ~3
  for (let i = 0; i < count; i++) {
    const o = (ids ? ids[i]! : first + i) * stride
    let l0 = 0
    let l1 = 0
    let l2 = 0
    let l3 = 0
    let j = 0
    for (; j < d4; j += 4) {
      l0 = f(l0 + f(base[o + j]! * q[j]!))
      l1 = f(l1 + f(base[o + j + 1]! * q[j + 1]!))
      l2 = f(l2 + f(base[o + j + 2]! * q[j + 2]!))
      l3 = f(l3 + f(base[o + j + 3]! * q[j + 3]!))
    }
    let s = f(f(l0 + l1) + f(l2 + l3))
    for (; j < d; j++) s = f(s + f(base[o + j]! * q[j]!))
    out[i] = s
  }
}

/**
 * `out[i] = Σ_{j<d16} row_i[j] · q[j]`, exact, for int8 rows and an int16 query (`d16` a
 * multiple of 16; query entries past the scanned prefix are zero).
 */
export function dotI8Rows(
  base: Int8Array,
  stride: number,
  ids: Int32Array | null,
  first: number,
  count: number,
  q: Int16Array,
  d16: number,
  out: Int32Array,
): void {
  for (let i = 0; i < count; i++) {
    const o = (ids ? ids[i]! : first + i) * stride
    let s0 = 0
    let s1 = 0
    for (let j = 0; j < d16; j += 2) {
      s0 += base[o + j]! * q[j]!
      s1 += base[o + j + 1]! * q[j + 1]!
    }
    out[i] = (s0 + s1) | 0
  }
}

/** The bfloat16 bits of `x` (the high half of its float32 bits, rounded to nearest even). */
export function toBf16(x: number): number {
  F32[0] = x
  const bits = U32[0]!
  if ((bits & 0x7f800000) === 0x7f800000) return bits >>> 16
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff
}

/** The float value of bfloat16 bits. */
export function fromBf16(h: number): number {
  U32[0] = h << 16
  return F32[0]!
}

const F32 = new Float32Array(1)
const U32 = new Uint32Array(F32.buffer)

/**
 * `out[i] = Σ_{j<d} row_i[j] · q[j]` for bfloat16 rows and a float32 query, in float32
 * arithmetic: lane l takes the dims ≡ l mod 4 below the last multiple of 8 in increasing
 * order, the lanes add as (l0 + l1) + (l2 + l3), plus the remaining dims summed in order.
 */
export function dotBf16Rows(
  base: Uint16Array,
  stride: number,
  ids: Int32Array | null,
  first: number,
  count: number,
  q: Float32Array,
  d: number,
  out: Float32Array,
): void {
  const d8 = d & ~7
  for (let i = 0; i < count; i++) {
    const o = (ids ? ids[i]! : first + i) * stride
    let l0 = 0
    let l1 = 0
    let l2 = 0
    let l3 = 0
    for (let j = 0; j < d8; j += 4) {
      l0 = f(l0 + f(fromBf16(base[o + j]!) * q[j]!))
      l1 = f(l1 + f(fromBf16(base[o + j + 1]!) * q[j + 1]!))
      l2 = f(l2 + f(fromBf16(base[o + j + 2]!) * q[j + 2]!))
      l3 = f(l3 + f(fromBf16(base[o + j + 3]!) * q[j + 3]!))
    }
    let t = 0
    for (let j = d8; j < d; j++) t = f(t + f(fromBf16(base[o + j]!) * q[j]!))
    out[i] = f(f(f(l0 + l1) + f(l2 + l3)) + t)
  }
}
