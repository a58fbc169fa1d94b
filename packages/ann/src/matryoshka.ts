import { EigenvalueDecomposition, Matrix } from 'ml-matrix'
import { AnnError } from './errors.ts'
import { Rng } from './random.ts'
import { checkInt, checkVectors } from './validate.ts'

/**
 * Matryoshka tools: prefix truncation, and a PCA rotation that orders the dims of any
 * ("rigid") embedding by variance so that its leading prefixes carry the most energy,
 * which makes adaptive-dims search (AdANNS d_c / d_s) usable with models not trained
 * with Matryoshka loss.
 */

/**
 * The first `dims` values of each of `n` rows, each re-normalised to unit length unless
 * `normalize` is false (a zero row stays zero).
 */
export function truncate(
  data: Float32Array,
  n: number,
  dim: number,
  dims: number,
  options: { normalize?: boolean } = {},
): Float32Array {
  checkVectors('data', data, n, dim)
  checkInt('dims', dims, 1, dim)
  const normalize = options.normalize ?? true
  const out = new Float32Array(n * dims)
  for (let i = 0; i < n; i++) {
    const o = i * dims
    out.set(data.subarray(i * dim, i * dim + dims), o)
    if (normalize) {
      let s = 0
      for (let j = 0; j < dims; j++) s += out[o + j]! * out[o + j]!
      if (s > 0) {
        const inv = 1 / Math.sqrt(s)
        for (let j = 0; j < dims; j++) out[o + j] = out[o + j]! * inv
      }
    }
  }
  return out
}

/** A fitted PCA rotation. */
export interface PcaRotation {
  dim: number
  /** `dim * dim`, row-major: row i is the i-th principal axis (unit length, variance descending). */
  rotation: Float32Array
  /** Mean of the fitted rows (subtracted only when `applyRotation` is asked to centre). */
  mean: Float32Array
  /** Variance along each axis, descending. */
  variances: Float64Array
}

export interface PcaOptions {
  /** Fit on at most this many rows, sampled with `seed` (default 20,000). */
  maxSamples?: number
  seed?: number
  /** Centre the rows before computing the covariance (default true, classical PCA). */
  center?: boolean
}

/**
 * Fits an orthogonal rotation whose axes are the eigenvectors of the rows' covariance,
 * sorted by eigenvalue. Rotating by it keeps every dot product and distance (it is
 * orthonormal) while moving the variance into the leading dims.
 * @example
 * const pca = fitPcaRotation(vectors, n, 384)
 * const nested = applyRotation(pca, vectors, n)   // prefixes of `nested` now work for AdANNS
 */
export function fitPcaRotation(
  data: Float32Array,
  n: number,
  dim: number,
  options: PcaOptions = {},
): PcaRotation {
  checkVectors('data', data, n, dim)
  if (n < 2) throw new AnnError('INVALID_ARGUMENT', 'a PCA needs at least 2 rows')
  const maxSamples = checkInt('maxSamples', options.maxSamples ?? 20_000, 2)
  const center = options.center ?? true
  const rows = n > maxSamples ? new Rng(options.seed ?? 1234).sample(n, maxSamples) : null
  const m = rows ? rows.length : n
  const mean = new Float64Array(dim)
  if (center) {
    for (let i = 0; i < m; i++) {
      const o = (rows ? rows[i]! : i) * dim
      for (let j = 0; j < dim; j++) mean[j]! += data[o + j]!
    }
    for (let j = 0; j < dim; j++) mean[j]! /= m
  }
  // Upper triangle of the (co)variance, by rank-one updates.
  const cov = new Float64Array(dim * dim)
  const x = new Float64Array(dim)
  for (let i = 0; i < m; i++) {
    const o = (rows ? rows[i]! : i) * dim
    for (let j = 0; j < dim; j++) x[j] = data[o + j]! - mean[j]!
    for (let a = 0; a < dim; a++) {
      const xa = x[a]!
      if (xa === 0) continue
      const row = a * dim
      for (let b = a; b < dim; b++) cov[row + b]! += xa * x[b]!
    }
  }
  const matrix = new Matrix(dim, dim)
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b]! / (m - 1)
      matrix.set(a, b, v)
      matrix.set(b, a, v)
    }
  }
  const evd = new EigenvalueDecomposition(matrix, { assumeSymmetric: true })
  const values = evd.realEigenvalues
  const vectors = evd.eigenvectorMatrix
  const order = Array.from(values.keys()).sort((a, b) => values[b]! - values[a]! || a - b)
  const rotation = new Float32Array(dim * dim)
  const variances = new Float64Array(dim)
  order.forEach((col, r) => {
    variances[r] = Math.max(0, values[col]!)
    // Fix each axis' sign (largest component positive) so that fits are reproducible.
    let big = 0
    for (let j = 0; j < dim; j++) if (Math.abs(vectors.get(j, col)) > Math.abs(big)) big = vectors.get(j, col)
    const sign = big < 0 ? -1 : 1
    for (let j = 0; j < dim; j++) rotation[r * dim + j] = sign * vectors.get(j, col)
  })
  return { dim, rotation, mean: Float32Array.from(mean), variances }
}

/**
 * Rotates `n` rows into the PCA basis: y = R x (or R (x - mean) with `center`), keeping
 * the first `dims` output dims (default all).
 */
export function applyRotation(
  pca: PcaRotation,
  data: Float32Array,
  n: number,
  options: { dims?: number; center?: boolean } = {},
): Float32Array {
  const dim = pca.dim
  checkVectors('data', data, n, dim)
  const dims = checkInt('dims', options.dims ?? dim, 1, dim)
  const center = options.center ?? false
  const { rotation, mean } = pca
  const out = new Float32Array(n * dims)
  const x = new Float32Array(dim)
  for (let i = 0; i < n; i++) {
    const o = i * dim
    for (let j = 0; j < dim; j++) x[j] = center ? data[o + j]! - mean[j]! : data[o + j]!
    for (let r = 0; r < dims; r++) {
      const ro = r * dim
      let s0 = 0
      let s1 = 0
      let j = 0
      for (; j + 1 < dim; j += 2) {
        s0 += rotation[ro + j]! * x[j]!
        s1 += rotation[ro + j + 1]! * x[j + 1]!
      }
      if (j < dim) s0 += rotation[ro + j]! * x[j]!
      out[i * dims + r] = s0 + s1
    }
  }
  return out
}
