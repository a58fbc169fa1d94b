import { EigenvalueDecomposition, Matrix } from 'ml-matrix'
import { ModelError } from './errors.ts'
import { gaussian, mulberry32 } from './random.ts'

/** A sparse matrix in compressed sparse row form. */
export interface CsrMatrix {
  rows: number
  cols: number
  /** `rows + 1` offsets into `indices` / `values`. */
  indptr: Int32Array
  indices: Int32Array
  values: Float64Array
}

/** `X · M` for sparse `X` (rows×cols) and dense row-major `M` (cols×l). */
export function csrMul(x: CsrMatrix, m: Float64Array, l: number): Float64Array {
  const out = new Float64Array(x.rows * l)
  for (let i = 0; i < x.rows; i++) {
    const o = i * l
    for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) {
      const v = x.values[p]!
      const r = x.indices[p]! * l
      for (let c = 0; c < l; c++) out[o + c]! += v * m[r + c]!
    }
  }
  return out
}

/** `Xᵀ · M` for sparse `X` (rows×cols) and dense row-major `M` (rows×l). */
export function csrTransposeMul(x: CsrMatrix, m: Float64Array, l: number): Float64Array {
  const out = new Float64Array(x.cols * l)
  for (let i = 0; i < x.rows; i++) {
    const r = i * l
    for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) {
      const v = x.values[p]!
      const o = x.indices[p]! * l
      for (let c = 0; c < l; c++) out[o + c]! += v * m[r + c]!
    }
  }
  return out
}

/** `Aᵀ A` of a dense row-major `A` (m×l). */
function gram(a: Float64Array, m: number, l: number): Matrix {
  const g = new Float64Array(l * l)
  for (let i = 0; i < m; i++) {
    const o = i * l
    for (let p = 0; p < l; p++) {
      const ap = a[o + p]!
      if (ap === 0) continue
      const gp = p * l
      for (let q = p; q < l; q++) g[gp + q]! += ap * a[o + q]!
    }
  }
  const out = new Matrix(l, l)
  for (let p = 0; p < l; p++)
    for (let q = p; q < l; q++) out.set(p, q, g[p * l + q]!).set(q, p, g[p * l + q]!)
  return out
}

/** Symmetric eigendecomposition, eigenpairs sorted by descending eigenvalue. */
function symmetricEigen(g: Matrix): { values: number[]; vectors: Matrix } {
  const evd = new EigenvalueDecomposition(g, { assumeSymmetric: true })
  const values = evd.realEigenvalues
  const order = values.map((_, i) => i).sort((a, b) => values[b]! - values[a]!)
  return { values: order.map((i) => values[i]!), vectors: evd.eigenvectorMatrix.subMatrixColumn(order) }
}

/**
 * Orthonormal basis of the column space of row-major `A` (m×l) through the Gram matrix
 * (`A W Λ^-1/2`); a second pass restores orthogonality to machine precision; directions with relative energy below 1e-10 are
 * dropped, so the result may have fewer columns.
 */
export function orthonormalize(
  a: Float64Array,
  m: number,
  l: number,
  passes = 2,
): { q: Float64Array; cols: number } {
  let current = a
  let cols = l
  for (let pass = 0; pass < passes; pass++) {
    const { values, vectors } = symmetricEigen(gram(current, m, cols))
    const top = values[0] ?? 0
    const keep = values.filter((v) => v > top * 1e-10 && v > 0).length
    const t = new Float64Array(cols * keep)
    for (let r = 0; r < cols; r++) {
      for (let c = 0; c < keep; c++) t[r * keep + c] = vectors.get(r, c) / Math.sqrt(values[c]!)
    }
    current = denseMul(current, m, cols, t, keep)
    cols = keep
  }
  return { q: current, cols }
}

/** Row-major `A (m×k) · B (k×n)`. */
export function denseMul(a: Float64Array, m: number, k: number, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(m * n)
  for (let i = 0; i < m; i++) {
    const o = i * n
    for (let p = 0; p < k; p++) {
      const v = a[i * k + p]!
      if (v === 0) continue
      const r = p * n
      for (let c = 0; c < n; c++) out[o + c]! += v * b[r + c]!
    }
  }
  return out
}

export interface RandomizedSvdOptions {
  /** Extra random directions beyond `rank`; default 10. */
  oversample?: number
  /** Power iterations (sharpen the spectrum); default 2. */
  powerIterations?: number
  seed?: number
  /** Called after each stage with (done, total). */
  onProgress?: (done: number, total: number) => void
}

/** Top singular values and right singular vectors of a sparse matrix. */
export interface TruncatedSvd {
  /** Descending singular values, length `rank`. */
  values: Float64Array
  /** Right singular vectors, row-major `cols × rank` (row t = the loadings of column t). */
  vectors: Float64Array
  rank: number
}

/**
 * Randomised truncated SVD (Halko, Martinsson & Tropp 2011, Alg. 4.4 with power iterations):
 * range finder `Q ≈ range(X)`, then the small eigenproblem of `(QᵀX)(QᵀX)ᵀ`. Returns at most
 * `min(rank, rows, cols, numerical rank)` components, each sign-fixed so that its
 * largest-magnitude loading is positive (deterministic for a given seed).
 */
export function randomizedSvd(x: CsrMatrix, rank: number, options: RandomizedSvdOptions = {}): TruncatedSvd {
  if (!Number.isInteger(rank) || rank < 1) {
    throw new ModelError('INVALID_ARGUMENT', `rank must be a positive integer, got ${rank}`)
  }
  const oversample = options.oversample ?? 10
  const iterations = options.powerIterations ?? 2
  const l0 = Math.min(rank + oversample, x.rows, x.cols)
  const normal = gaussian(mulberry32(options.seed ?? 42))
  const omega = new Float64Array(x.cols * l0)
  for (let i = 0; i < omega.length; i++) omega[i] = normal()
  const total = 2 * iterations + 4
  let done = 0
  const step = () => options.onProgress?.(++done, total)
  // Power iterations only need a well-conditioned basis (one pass); the last one is exact.
  let { q, cols: l } = orthonormalize(csrMul(x, omega, l0), x.rows, l0, iterations === 0 ? 2 : 1)
  step()
  for (let it = 0; it < iterations; it++) {
    const z = orthonormalize(csrTransposeMul(x, q, l), x.cols, l, 1)
    step()
    ;({ q, cols: l } = orthonormalize(csrMul(x, z.q, z.cols), x.rows, z.cols, it === iterations - 1 ? 2 : 1))
    step()
  }
  // Z = Xᵀ Q (cols×l) = Bᵀ; B Bᵀ = Zᵀ Z.
  const z = csrTransposeMul(x, q, l)
  step()
  const { values, vectors } = symmetricEigen(gram(z, x.cols, l))
  step()
  const top = values[0] ?? 0
  const k = Math.min(rank, values.filter((v) => v > top * 1e-12 && v > 0).length)
  const sigma = new Float64Array(k)
  const t = new Float64Array(l * k)
  for (let c = 0; c < k; c++) {
    sigma[c] = Math.sqrt(values[c]!)
    for (let r = 0; r < l; r++) t[r * k + c] = vectors.get(r, c) / sigma[c]!
  }
  const v = denseMul(z, x.cols, l, t, k)
  for (let c = 0; c < k; c++) {
    let best = 0
    for (let r = 0; r < x.cols; r++) if (Math.abs(v[r * k + c]!) > Math.abs(best)) best = v[r * k + c]!
    if (best < 0) for (let r = 0; r < x.cols; r++) v[r * k + c] = -v[r * k + c]!
  }
  step()
  return { values: sigma, vectors: v, rank: k }
}
