import { CompressError } from './errors.ts'
import { checkCount, checkFinite, checkLength } from './validate.ts'

/** A weight matrix quantised to int8 with one scale per row (see {@link quantizeInt8}). */
export interface Int8Matrix {
  rows: number
  cols: number
  /** `[rows, cols]` values in [-127, 127]. */
  q: Int8Array
  /** `[rows]` the float each unit of row r stands for. */
  scales: Float32Array
}

/**
 * Symmetric per-row int8 quantisation: `scale_r = max|w_r| / 127`, `q = round(w / scale_r)`.
 * An all-zero row gets scale 0. The error per value is at most `scale_r / 2`.
 * @param w `[rows, cols]` (a linear layer's `[out, in]` weight: one scale per output channel)
 */
export function quantizeInt8(w: Float32Array, rows: number, cols: number): Int8Matrix {
  checkCount('rows', rows)
  checkCount('cols', cols, 1)
  checkLength('w', w, rows * cols, `[${rows}, ${cols}]`)
  checkFinite('w', w)
  const q = new Int8Array(rows * cols)
  const scales = new Float32Array(rows)
  for (let r = 0; r < rows; r++) {
    const o = r * cols
    let max = 0
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(w[o + c]!))
    const scale = Math.fround(max / 127)
    scales[r] = scale
    if (scale === 0) continue
    for (let c = 0; c < cols; c++) q[o + c] = Math.max(-127, Math.min(127, Math.round(w[o + c]! / scale)))
  }
  return { rows, cols, q, scales }
}

/** Back to floats: `w[r, c] = q[r, c] · scale_r`. @returns `[rows, cols]` */
export function dequantizeInt8(m: Int8Matrix): Float32Array {
  const { rows, cols, q, scales } = m
  checkCount('rows', rows)
  checkCount('cols', cols, 1)
  checkLength('q', q, rows * cols, `[${rows}, ${cols}]`)
  checkLength('scales', scales, rows, `[${rows}]`)
  for (let r = 0; r < rows; r++) {
    if (!(scales[r]! >= 0) || !Number.isFinite(scales[r]!)) {
      throw new CompressError('NOT_FINITE', `scales[${r}] = ${scales[r]}; expected a finite value >= 0`)
    }
  }
  const out = new Float32Array(rows * cols)
  for (let r = 0; r < rows; r++) {
    const s = scales[r]!
    for (let c = 0; c < cols; c++) out[r * cols + c] = q[r * cols + c]! * s
  }
  return out
}
