import { AnnError } from '../errors.ts'

/** Rounds `n` up to a multiple of 16 (the int8 kernels read 16 dims per step). */
export function pad16(n: number): number {
  return (n + 15) & ~15
}

/**
 * Per-dimension scales of an int8 store: `scale[j] = max_i |x_ij| / 127`, so that every value
 * is encoded without clipping as `round(x / scale[j])`. A dimension that is zero everywhere
 * gets scale 1 (its codes are 0).
 * @param data `n` rows of `rowLength` floats; only the first `dims` of each row are used
 */
export function fitInt8Scales(data: Float32Array, n: number, rowLength: number, dims: number): Float32Array {
  const max = new Float64Array(dims)
  for (let i = 0; i < n; i++) {
    const o = i * rowLength
    for (let j = 0; j < dims; j++) {
      const a = Math.abs(data[o + j]!)
      if (a > max[j]!) max[j] = a
    }
  }
  const scales = new Float32Array(dims)
  for (let j = 0; j < dims; j++) scales[j] = max[j]! > 0 ? max[j]! / 127 : 1
  return scales
}

/** Encodes the first `scales.length` values of `row[ro..)` into `out[oo..)` (clamped to ±127). */
export function encodeInt8(
  row: Float32Array,
  ro: number,
  scales: Float32Array,
  out: Int8Array,
  oo: number,
): void {
  for (let j = 0; j < scales.length; j++) {
    const v = Math.round(row[ro + j]! / scales[j]!)
    out[oo + j] = Math.min(127, Math.max(-127, v))
  }
}

/**
 * Prepares a float query for the int8 dot kernel on the first `d` dims: `out[j] =
 * round(q[j] · scale[j] / s)` as int16 (zero from `d` to `out.length`), where the query step `s`
 * is chosen so that `|out[j]| <= limit` and no i32 sum can overflow. Then
 * `Σ out[j] · code[j] · s ≈ Σ q[j] · x[j]`.
 * @returns the step `s` as a float32 value (0 for a zero query)
 */
export function prepareInt16Query(
  q: Float32Array,
  qo: number,
  d: number,
  scales: Float32Array,
  out: Int16Array,
): number {
  if (d > scales.length)
    throw new AnnError('INVALID_ARGUMENT', `query prefix ${d} exceeds the ${scales.length} coded dims`)
  let max = 0
  for (let j = 0; j < d; j++) {
    const a = Math.abs(q[qo + j]! * scales[j]!)
    if (a > max) max = a
  }
  // |out| * 127 * dims must stay below 2^31 (the kernels sum in i32).
  const limit = Math.min(32767, Math.floor(2147483647 / (127 * Math.max(16, out.length))))
  out.fill(0)
  if (max === 0) return 0
  const step = Math.fround(max / limit)
  for (let j = 0; j < d; j++) out[j] = Math.round((q[qo + j]! * scales[j]!) / step)
  return step
}
