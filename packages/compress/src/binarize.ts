import { CompressError } from './errors.ts'
import { checkCount, checkFinite, checkLength } from './validate.ts'

/** Where the scales of binary codes live. */
export type BinaryScale =
  /** One scale per token (BTR stores one statistic per passage token). */
  | 'token'
  /** One scale per dimension, from calibration data. */
  | 'dim'

/** Per-dimension statistics from calibration data (see {@link calibrateBinarizer}). */
export interface BinaryCalibration {
  dim: number
  /** `[dim]` the threshold each dimension is centred on before taking the sign. */
  center: Float32Array
  /** `[dim]` mean |x − center| of each dimension over the calibration rows. */
  dimScale: Float32Array
}

/** Bit-packed sign codes with scales (see {@link binarize}). */
export interface BinaryCodes {
  tokens: number
  dim: number
  /** Uint32 words per token: `⌈dim / 32⌉`. */
  words: number
  /** `[tokens, words]`; bit d of a token is bit `d % 32` of word `⌊d / 32⌋` (1 = above the center). */
  codes: Uint32Array
  scale: BinaryScale
  /** `[tokens]` or `[dim]` depending on {@link scale}. */
  scales: Float32Array
  /** `[dim]` the centers the signs were taken around. */
  center: Float32Array
}

/**
 * Calibrates the binariser on sample rows: each dimension's mean as its center (so the bit
 * carries the deviation, not a shared offset) and its mean absolute deviation, the scale
 * that minimises the squared error of `center ± scale` for that dimension.
 * @param samples `[rows, dim]`
 */
export function calibrateBinarizer(samples: Float32Array, rows: number, dim: number): BinaryCalibration {
  checkCount('rows', rows, 1)
  checkCount('dim', dim, 1)
  checkLength('samples', samples, rows * dim, `[${rows}, ${dim}]`)
  checkFinite('samples', samples)
  const mean = new Float64Array(dim)
  for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) mean[d] = mean[d]! + samples[r * dim + d]!
  for (let d = 0; d < dim; d++) mean[d] = mean[d]! / rows
  const mad = new Float64Array(dim)
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < dim; d++) mad[d] = mad[d]! + Math.abs(samples[r * dim + d]! - mean[d]!)
  }
  return {
    dim,
    center: Float32Array.from(mean),
    dimScale: Float32Array.from(mad, (v) => v / rows),
  }
}

/** Options of {@link binarize}. */
export interface BinarizeOptions {
  /** Per-token (default) or per-dimension scales. */
  scale?: BinaryScale
  /** Calibration statistics; without them the center is 0 and per-dim scales come from `x` itself. */
  calibration?: BinaryCalibration
}

/**
 * BTR-style binarisation (Cao et al. 2024): each value becomes the bit `x > center`, packed
 * 32 per Uint32, plus a scale so that {@link debinarize} returns `center ± scale`. A
 * per-token scale is the token's mean |x − center| (the L2-optimal one for its signs).
 * @param x `[tokens, dim]`
 */
export function binarize(
  x: Float32Array,
  tokens: number,
  dim: number,
  options: BinarizeOptions = {},
): BinaryCodes {
  checkCount('tokens', tokens)
  checkCount('dim', dim, 1)
  checkLength('x', x, tokens * dim, `[${tokens}, ${dim}]`)
  checkFinite('x', x)
  const scale = options.scale ?? 'token'
  if (scale !== 'token' && scale !== 'dim') {
    throw new CompressError('INVALID_ARGUMENT', `scale must be 'token' or 'dim', got ${String(scale)}`)
  }
  const cal = options.calibration
  if (cal && cal.dim !== dim) {
    throw new CompressError('SHAPE_MISMATCH', `the calibration is for ${cal.dim} dims, x has ${dim}`)
  }
  const center = cal ? cal.center.slice() : new Float32Array(dim)
  const words = Math.ceil(dim / 32)
  const codes = new Uint32Array(tokens * words)
  for (let t = 0; t < tokens; t++) {
    for (let d = 0; d < dim; d++) {
      if (x[t * dim + d]! > center[d]!) codes[t * words + (d >>> 5)]! |= 1 << (d & 31)
    }
  }
  let scales: Float32Array
  if (scale === 'token') {
    scales = new Float32Array(tokens)
    for (let t = 0; t < tokens; t++) {
      let s = 0
      for (let d = 0; d < dim; d++) s += Math.abs(x[t * dim + d]! - center[d]!)
      scales[t] = s / dim
    }
  } else if (cal) {
    scales = cal.dimScale.slice()
  } else {
    const acc = new Float64Array(dim)
    for (let t = 0; t < tokens; t++)
      for (let d = 0; d < dim; d++) acc[d] = acc[d]! + Math.abs(x[t * dim + d]!)
    scales = Float32Array.from(acc, (v) => (tokens > 0 ? v / tokens : 0))
  }
  return { tokens, dim, words, codes, scale, scales, center }
}

function checkCodes(c: BinaryCodes): void {
  checkCount('tokens', c.tokens)
  checkCount('dim', c.dim, 1)
  if (c.words !== Math.ceil(c.dim / 32)) {
    throw new CompressError(
      'SHAPE_MISMATCH',
      `words must be ⌈${c.dim}/32⌉ = ${Math.ceil(c.dim / 32)}, got ${c.words}`,
    )
  }
  checkLength('codes', c.codes, c.tokens * c.words, `[${c.tokens}, ${c.words}]`)
  checkLength('center', c.center, c.dim, `[${c.dim}]`)
  const n = c.scale === 'token' ? c.tokens : c.dim
  checkLength('scales', c.scales, n, `[${n}]`)
}

/**
 * Decodes binary codes back to floats: `center[d] + scale · (bit ? +1 : −1)`.
 * @returns `[tokens, dim]`
 */
export function debinarize(c: BinaryCodes): Float32Array {
  checkCodes(c)
  const { tokens, dim, words, codes, scales, center } = c
  const out = new Float32Array(tokens * dim)
  for (let t = 0; t < tokens; t++) {
    for (let d = 0; d < dim; d++) {
      const bit = (codes[t * words + (d >>> 5)]! >>> (d & 31)) & 1
      const s = c.scale === 'token' ? scales[t]! : scales[d]!
      out[t * dim + d] = center[d]! + (bit ? s : -s)
    }
  }
  return out
}

function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff
}

/** Hamming distance between code `i` of `a` and code `j` of `b` (`words` Uint32 each). */
export function hamming(a: Uint32Array, i: number, b: Uint32Array, j: number, words: number): number {
  let s = 0
  const ao = i * words
  const bo = j * words
  for (let w = 0; w < words; w++) s += popcount32(a[ao + w]! ^ b[bo + w]!)
  return s
}

/**
 * Hamming distances from `query` (one code of `words` Uint32) to every code of `codes`.
 * @returns `[codes.length / words]`
 */
export function hammingScan(codes: Uint32Array, words: number, query: Uint32Array): Uint16Array {
  checkCount('words', words, 1)
  checkLength('query', query, words, `[${words}]`)
  if (codes.length % words !== 0) {
    throw new CompressError('SHAPE_MISMATCH', `codes holds ${codes.length} words, not a multiple of ${words}`)
  }
  const n = codes.length / words
  const out = new Uint16Array(n)
  for (let i = 0; i < n; i++) out[i] = hamming(codes, i, query, 0, words)
  return out
}
