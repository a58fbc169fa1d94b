import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix'
import { AnnError } from './errors.ts'
import { ProductQuantizer, type ProductQuantizerOptions } from './pq.ts'
import { Rng } from './random.ts'
import { checkInt } from './validate.ts'

/** Training options of {@link trainOpq}. */
export interface OpqOptions extends ProductQuantizerOptions {
  /** Alternations of PQ training and the Procrustes update (default 10; FAISS uses 50). */
  opqIterations?: number
  /** Lloyd iterations of the codebooks inside each alternation (default 4, as FAISS `niter_pq`). */
  opqPqIterations?: number
  /** Rows used to learn the rotation (default 4096, sampled with the seed). */
  opqTrainPoints?: number
  /** Called after each alternation with (done, total), then during the final PQ training. */
  onOpqProgress?: (done: number, total: number) => void
}

/** A trained OPQ: the orthogonal rotation and the product quantiser of the rotated space. */
export interface OpqResult {
  /** `dim * dim` floats, row-major; a row vector `x` maps to `x R`. */
  rotation: Float32Array
  pq: ProductQuantizer
  /** Mean squared reconstruction error on the training sample after each alternation. */
  errors: number[]
}

/**
 * Applies an orthogonal rotation: `out[oo + j] = Σ_i x[xo + i] * rotation[i * dim + j]`.
 * @param scratch `dim` float64 accumulators, to avoid an allocation per call in loops
 * @returns the FLOPs spent
 */
export function rotate(
  rotation: Float32Array,
  dim: number,
  x: Float32Array,
  xo: number,
  out: Float32Array,
  oo: number,
  scratch: Float64Array = new Float64Array(dim),
): number {
  const acc = scratch
  acc.fill(0)
  for (let i = 0; i < dim; i++) {
    const v = x[xo + i]!
    if (v === 0) continue
    const r = i * dim
    for (let j = 0; j < dim; j++) acc[j]! += v * rotation[r + j]!
  }
  for (let j = 0; j < dim; j++) out[oo + j] = acc[j]!
  return 2 * dim * dim
}

/**
 * Optimised product quantisation (Ge et al., CVPR 2013, the non-parametric variant as in
 * FAISS `OPQMatrix`): learns an orthogonal `R` so that PQ of `x R` loses less. Starting
 * from a random rotation, it alternates (a) a few Lloyd iterations of the PQ codebooks on
 * the rotated, centred sample and (b) the orthogonal Procrustes update `R = U Vᵀ` from
 * the SVD of `Xᵀ Y`, where `Y` is the PQ reconstruction. The final codebooks are the last
 * ones refined (`iterations` Lloyd rounds) on up to `ksub * maxPointsPerCentroid` rotated
 * rows. The rotation has no bias: queries and base vectors are rotated alike.
 * @example
 * const { rotation, pq } = trainOpq(vectors, n, 128, { m: 16, seed: 3 })
 */
export function trainOpq(data: Float32Array, n: number, dim: number, options: OpqOptions): OpqResult {
  const {
    m,
    stride = dim,
    seed = 1234,
    opqIterations = 10,
    opqPqIterations = 4,
    opqTrainPoints = 4096,
    maxPointsPerCentroid = 32,
    iterations = 10,
    onOpqProgress,
  } = options
  checkInt('dim', dim, 1)
  checkInt('m', m, 1)
  checkInt('n', n, 1)
  checkInt('opqIterations', opqIterations, 1, 1000)
  checkInt('opqPqIterations', opqPqIterations, 1, 1000)
  checkInt('opqTrainPoints', opqTrainPoints, 1)
  if (dim % m !== 0)
    throw new AnnError('INVALID_ARGUMENT', `m = ${m} must divide the quantised dimension ${dim}`)
  const rng = new Rng(seed ^ 0x5eed)

  // Centred training sample (FAISS centres for training only; the rotation carries no bias).
  const t = Math.min(n, opqTrainPoints)
  const rows = t < n ? rng.sample(n, t) : null
  const x = new Float32Array(t * dim)
  const mean = new Float64Array(dim)
  for (let i = 0; i < t; i++) {
    const src = (rows ? rows[i]! : i) * stride
    for (let j = 0; j < dim; j++) {
      const v = data[src + j]!
      x[i * dim + j] = v
      mean[j]! += v
    }
  }
  for (let j = 0; j < dim; j++) mean[j]! /= t
  for (let i = 0; i < t; i++) for (let j = 0; j < dim; j++) x[i * dim + j]! -= mean[j]!

  let rotation = randomRotation(dim, rng)
  const xr = new Float32Array(t * dim)
  const recon = new Float32Array(t * dim)
  const codes = new Uint8Array(t * m)
  const errors: number[] = []
  let pq: ProductQuantizer | undefined
  for (let it = 0; it < opqIterations; it++) {
    multiply(x, t, dim, rotation, xr)
    pq =
      pq === undefined
        ? ProductQuantizer.train(xr, t, dim, {
            ...options,
            stride: dim,
            seed,
            iterations: 2 * opqPqIterations,
          })
        : refineCodebooks(pq, xr, t, opqPqIterations, codes)
    pq.encodeBatch(xr, t, dim, codes)
    let err = 0
    for (let i = 0; i < t; i++) {
      pq.decode(codes, i * m, recon, i * dim)
      for (let j = 0; j < dim; j++) {
        const e = recon[i * dim + j]! - xr[i * dim + j]!
        err += e * e
      }
    }
    errors.push(err / t)
    rotation = procrustes(x, recon, t, dim)
    onOpqProgress?.(it + 1, opqIterations)
  }

  // Final codebooks: the last ones, refined on a larger rotated sample of the caller's rows.
  const ksub = pq!.ksub
  const f = Math.min(n, ksub * maxPointsPerCentroid)
  const finalRows = f < n ? rng.sample(n, f) : null
  const rotated = new Float32Array(f * dim)
  const scratch = new Float64Array(dim)
  for (let i = 0; i < f; i++) {
    rotate(rotation, dim, data, (finalRows ? finalRows[i]! : i) * stride, rotated, i * dim, scratch)
  }
  const finalPq = refineCodebooks(pq!, rotated, f, iterations, new Uint8Array(f * m))
  onOpqProgress?.(opqIterations, opqIterations)
  return { rotation, pq: finalPq, errors }
}

/**
 * `out (t x d) = x (t x d) · r (d x d)`, all row-major. Four rows per pass share each
 * loaded value of `r`; every output still sums over `k` in order.
 */
function multiply(x: Float32Array, t: number, d: number, r: Float32Array, out: Float32Array): void {
  const acc0 = new Float64Array(d)
  const acc1 = new Float64Array(d)
  const acc2 = new Float64Array(d)
  const acc3 = new Float64Array(d)
  let i = 0
  for (; i + 4 <= t; i += 4) {
    acc0.fill(0)
    acc1.fill(0)
    acc2.fill(0)
    acc3.fill(0)
    const o = i * d
    for (let k = 0; k < d; k++) {
      const v0 = x[o + k]!
      const v1 = x[o + d + k]!
      const v2 = x[o + 2 * d + k]!
      const v3 = x[o + 3 * d + k]!
      const ro = k * d
      for (let j = 0; j < d; j++) {
        const w = r[ro + j]!
        acc0[j]! += v0 * w
        acc1[j]! += v1 * w
        acc2[j]! += v2 * w
        acc3[j]! += v3 * w
      }
    }
    for (let j = 0; j < d; j++) {
      out[o + j] = acc0[j]!
      out[o + d + j] = acc1[j]!
      out[o + 2 * d + j] = acc2[j]!
      out[o + 3 * d + j] = acc3[j]!
    }
  }
  for (; i < t; i++) {
    acc0.fill(0)
    const o = i * d
    for (let k = 0; k < d; k++) {
      const v = x[o + k]!
      const ro = k * d
      for (let j = 0; j < d; j++) acc0[j]! += v * r[ro + j]!
    }
    for (let j = 0; j < d; j++) out[o + j] = acc0[j]!
  }
}

/** Orthogonal Procrustes: the orthogonal `R` minimising `|X R - Y|` is `U Vᵀ` for `Xᵀ Y = U S Vᵀ`. */
function procrustes(x: Float32Array, y: Float32Array, t: number, d: number): Float32Array {
  // a = Xᵀ Y, accumulated row by row of X/Y; four rows of `a` per pass share each loaded y value.
  const a = new Float64Array(d * d)
  for (let i = 0; i < t; i++) {
    const o = i * d
    let p = 0
    for (; p + 4 <= d; p += 4) {
      const v0 = x[o + p]!
      const v1 = x[o + p + 1]!
      const v2 = x[o + p + 2]!
      const v3 = x[o + p + 3]!
      const a0 = p * d
      for (let q = 0; q < d; q++) {
        const w = y[o + q]!
        a[a0 + q]! += v0 * w
        a[a0 + d + q]! += v1 * w
        a[a0 + 2 * d + q]! += v2 * w
        a[a0 + 3 * d + q]! += v3 * w
      }
    }
    for (; p < d; p++) {
      const v = x[o + p]!
      const ao = p * d
      for (let q = 0; q < d; q++) a[ao + q]! += v * y[o + q]!
    }
  }
  const svd = new SingularValueDecomposition(Matrix.from1DArray(d, d, a), { autoTranspose: false })
  const r = svd.leftSingularVectors.mmul(svd.rightSingularVectors.transpose())
  const out = new Float32Array(d * d)
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] = r.get(i, j)
  return out
}

/** A random orthogonal matrix: the Q factor of a Gaussian matrix (as FAISS seeds OPQ). */
function randomRotation(d: number, rng: Rng): Float32Array {
  const g = new Float64Array(d * d)
  for (let i = 0; i < d * d; i++) g[i] = rng.gaussian()
  const q = new QrDecomposition(Matrix.from1DArray(d, d, g)).orthogonalMatrix
  const out = new Float32Array(d * d)
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] = q.get(i, j)
  return out
}

/** Lloyd iterations that start from the current codebooks (warm start between alternations). */
function refineCodebooks(
  pq: ProductQuantizer,
  x: Float32Array,
  t: number,
  iterations: number,
  codes: Uint8Array,
): ProductQuantizer {
  const { dim, m, ksub, dsub } = pq
  let current = pq
  const sums = new Float64Array(dim * ksub)
  const counts = new Int32Array(m * ksub)
  for (let it = 0; it < iterations; it++) {
    current.encodeBatch(x, t, dim, codes)
    sums.fill(0)
    counts.fill(0)
    for (let i = 0; i < t; i++) {
      for (let j = 0; j < m; j++) {
        const c = j * ksub + codes[i * m + j]!
        counts[c]!++
        const so = c * dsub
        const xo = i * dim + j * dsub
        for (let u = 0; u < dsub; u++) sums[so + u]! += x[xo + u]!
      }
    }
    const next = new Float32Array(current.centroids)
    for (let c = 0; c < m * ksub; c++) {
      const size = counts[c]!
      // An empty centroid keeps its place; the next alternation may fill it again.
      if (size === 0) continue
      for (let u = 0; u < dsub; u++) next[c * dsub + u] = sums[c * dsub + u]! / size
    }
    current = new ProductQuantizer(dim, m, ksub, next)
  }
  return current
}
