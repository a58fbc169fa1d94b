import { dot, l2sq } from './distance.ts'
import { AnnError } from './errors.ts'
import { Rng } from './random.ts'
import type { Metric } from './types.ts'

/** How the first centroids are chosen. */
export type KmeansInit = 'random' | 'kmeans++'

export interface KmeansOptions {
  /** Number of centroids. */
  k: number
  /** Lloyd iterations (FAISS default 25). */
  iterations?: number
  /** Seed of the sampling, init and splitting (FAISS default 1234). */
  seed?: number
  /** `random`: a seeded sample of training points, as FAISS does (default); `kmeans++`: D² seeding. */
  init?: KmeansInit
  /** Training uses at most `k * maxPointsPerCentroid` sampled rows (FAISS default 256). */
  maxPointsPerCentroid?: number
  /**
   * `l2`: plain Lloyd. `ip`: spherical k-means (centroids re-normalised), as FAISS does for
   * inner-product IVF. `cosine`: spherical, and every sampled row prefix is normalised first.
   */
  metric?: Metric
  /** Distance between consecutive rows of `data`, in floats (default `dim`); only the first `dim` are used. */
  stride?: number
  /** Called after every iteration with (iterations done, total). */
  onProgress?: (iteration: number, total: number) => void
}

export interface KmeansResult {
  /** `k * dim` floats, row-major. */
  centroids: Float32Array
  k: number
  dim: number
  /** Training rows assigned to each centroid in the last iteration (after splitting). */
  sizes: Int32Array
  /** Sum over training rows of the distance to their centroid (squared L2, or 1 - similarity), last iteration. */
  objective: number
  /** Empty clusters re-seeded by splitting, over the whole run. */
  splits: number
}

const SPLIT_EPS = 1 / 1024

/**
 * Trains k-means on the first `dim` values of each of the `n` rows of `data`, the FAISS
 * way: subsample to `k * maxPointsPerCentroid` rows, seed the centroids, run Lloyd
 * iterations, and re-seed empty clusters by splitting a large one.
 * @example
 * const { centroids } = trainKmeans(vectors, n, 768, { k: 256, seed: 7, onProgress: (i, t) => bar.update(i, t) })
 */
export function trainKmeans(
  data: Float32Array,
  n: number,
  dim: number,
  options: KmeansOptions,
): KmeansResult {
  const {
    k,
    iterations = 25,
    seed = 1234,
    init = 'random',
    maxPointsPerCentroid = 256,
    metric = 'l2',
    stride = dim,
    onProgress,
  } = options
  checkShape(data, n, dim, stride)
  if (!Number.isInteger(k) || k < 1)
    throw new AnnError('INVALID_ARGUMENT', `k must be a positive integer, got ${k}`)
  if (k > n) throw new AnnError('INVALID_ARGUMENT', `k-means needs at least k = ${k} rows, got ${n}`)
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new AnnError('INVALID_ARGUMENT', `iterations must be a non-negative integer, got ${iterations}`)
  }
  if (!Number.isInteger(maxPointsPerCentroid) || maxPointsPerCentroid < 1) {
    throw new AnnError(
      'INVALID_ARGUMENT',
      `maxPointsPerCentroid must be a positive integer, got ${maxPointsPerCentroid}`,
    )
  }
  if (init !== 'random' && init !== 'kmeans++')
    throw new AnnError('INVALID_ARGUMENT', `unknown init '${init}'`)
  if (metric !== 'l2' && metric !== 'ip' && metric !== 'cosine') {
    throw new AnnError('INVALID_ARGUMENT', `unknown metric '${metric}'`)
  }
  const rng = new Rng(seed)
  const spherical = metric !== 'l2'

  // Copy the (sampled) training prefixes into one contiguous block.
  const m = Math.min(n, k * maxPointsPerCentroid)
  const rows = m < n ? rng.sample(n, m) : null
  const x = new Float32Array(m * dim)
  for (let i = 0; i < m; i++) {
    const src = (rows ? rows[i]! : i) * stride
    const dst = i * dim
    for (let j = 0; j < dim; j++) {
      const v = data[src + j]!
      if (!Number.isFinite(v))
        throw new AnnError('NOT_FINITE', `training row ${rows ? rows[i] : i} holds ${v}`)
      x[dst + j] = v
    }
    if (metric === 'cosine') {
      const norm = Math.sqrt(dot(x, dst, x, dst, dim))
      if (norm > 0) for (let j = 0; j < dim; j++) x[dst + j] = x[dst + j]! / norm
    }
  }

  const centroids = new Float32Array(k * dim)
  if (init === 'random') {
    const pick = rng.sample(m, k)
    for (let c = 0; c < k; c++) centroids.set(x.subarray(pick[c]! * dim, pick[c]! * dim + dim), c * dim)
  } else {
    kmeansPlusPlus(x, m, dim, k, centroids, rng, spherical)
  }
  if (spherical) normalizeRows(centroids, k, dim)

  const assign = new Int32Array(m)
  const sizes = new Int32Array(k)
  const sums = new Float64Array(k * dim)
  const halfNorms = new Float64Array(k)
  let objective = 0
  let splits = 0
  for (let it = 0; it < iterations; it++) {
    objective = assignBlock(x, m, dim, dim, centroids, k, spherical, halfNorms, assign, null)
    sizes.fill(0)
    sums.fill(0)
    for (let i = 0; i < m; i++) {
      const c = assign[i]!
      sizes[c]!++
      const so = c * dim
      const xo = i * dim
      for (let j = 0; j < dim; j++) sums[so + j]! += x[xo + j]!
    }
    for (let c = 0; c < k; c++) {
      const size = sizes[c]!
      if (size === 0) continue
      const inv = 1 / size
      const o = c * dim
      for (let j = 0; j < dim; j++) centroids[o + j] = sums[o + j]! * inv
    }
    splits += splitEmptyClusters(centroids, sizes, k, dim, m, rng)
    if (spherical) normalizeRows(centroids, k, dim)
    onProgress?.(it + 1, iterations)
  }
  return { centroids, k, dim, sizes, objective, splits }
}

/**
 * Assigns each of the `n` rows (first `dim` values, row `stride`) to its nearest centroid:
 * smallest squared L2 for `l2`, largest inner product for `ip` and `cosine` (a row's norm
 * does not change its argmax, so rows need no normalisation).
 * @param out optional output buffer of at least `n` entries
 * @param outScores optional per-row distance (`l2`) or similarity (`ip`/`cosine`) to the chosen centroid
 */
export function assignNearest(
  data: Float32Array,
  n: number,
  dim: number,
  centroids: Float32Array,
  k: number,
  options: { metric?: Metric; stride?: number; out?: Int32Array; outScores?: Float32Array } = {},
): Int32Array {
  const { metric = 'l2', stride = dim } = options
  checkShape(data, n, dim, stride)
  if (!Number.isInteger(k) || k < 1 || centroids.length < k * dim) {
    throw new AnnError('DIMENSION_MISMATCH', `centroids must hold k * dim = ${k} * ${dim} floats`)
  }
  const out = options.out ?? new Int32Array(n)
  if (out.length < n) throw new AnnError('INVALID_ARGUMENT', `out must hold ${n} entries`)
  const halfNorms = new Float64Array(k)
  const scores = options.outScores ? new Float64Array(n) : null
  assignBlock(data, n, dim, stride, centroids, k, metric !== 'l2', halfNorms, out, scores)
  if (scores && options.outScores) {
    for (let i = 0; i < n; i++) options.outScores[i] = metric === 'l2' ? scores[i]! : 1 - scores[i]!
  }
  return out
}

/**
 * The assignment step. L2 uses argmax(x·c - |c|²/2) (same argmin as |x-c|², one dot
 * product per pair); spherical uses argmax(x·c). Rows are taken two at a time against
 * four centroids at a time, so that each loaded value feeds several multiply-adds
 * (register blocking, as in a GEMM kernel): about twice the plain loop's speed.
 * @returns the objective: sum of squared L2 distances, or of (1 - similarity)
 */
function assignBlock(
  x: Float32Array,
  n: number,
  dim: number,
  stride: number,
  centroids: Float32Array,
  k: number,
  spherical: boolean,
  halfNorms: Float64Array,
  assign: Int32Array,
  scoresOut: Float64Array | null,
): number {
  for (let c = 0; c < k; c++)
    halfNorms[c] = spherical ? 0 : 0.5 * dot(centroids, c * dim, centroids, c * dim, dim)
  const k4 = k & ~3
  let objective = 0
  for (let i = 0; i < n; i += 2) {
    const xa = i * stride
    // The last row of an odd count pairs with itself.
    const xb = i + 1 < n ? xa + stride : xa
    let bsa = Number.NEGATIVE_INFINITY
    let bsb = Number.NEGATIVE_INFINITY
    let besta = 0
    let bestb = 0
    let c = 0
    for (; c < k4; c += 4) {
      const c0 = c * dim
      const c1 = c0 + dim
      const c2 = c1 + dim
      const c3 = c2 + dim
      let a0 = 0
      let a1 = 0
      let a2 = 0
      let a3 = 0
      let b0 = 0
      let b1 = 0
      let b2 = 0
      let b3 = 0
      for (let j = 0; j < dim; j++) {
        const u = x[xa + j]!
        const v = x[xb + j]!
        const w0 = centroids[c0 + j]!
        const w1 = centroids[c1 + j]!
        const w2 = centroids[c2 + j]!
        const w3 = centroids[c3 + j]!
        a0 += u * w0
        a1 += u * w1
        a2 += u * w2
        a3 += u * w3
        b0 += v * w0
        b1 += v * w1
        b2 += v * w2
        b3 += v * w3
      }
      const h0 = halfNorms[c]!
      if (a0 - h0 > bsa) {
        bsa = a0 - h0
        besta = c
      }
      if (b0 - h0 > bsb) {
        bsb = b0 - h0
        bestb = c
      }
      const h1 = halfNorms[c + 1]!
      if (a1 - h1 > bsa) {
        bsa = a1 - h1
        besta = c + 1
      }
      if (b1 - h1 > bsb) {
        bsb = b1 - h1
        bestb = c + 1
      }
      const h2 = halfNorms[c + 2]!
      if (a2 - h2 > bsa) {
        bsa = a2 - h2
        besta = c + 2
      }
      if (b2 - h2 > bsb) {
        bsb = b2 - h2
        bestb = c + 2
      }
      const h3 = halfNorms[c + 3]!
      if (a3 - h3 > bsa) {
        bsa = a3 - h3
        besta = c + 3
      }
      if (b3 - h3 > bsb) {
        bsb = b3 - h3
        bestb = c + 3
      }
    }
    for (; c < k; c++) {
      const co = c * dim
      let a = 0
      let b = 0
      for (let j = 0; j < dim; j++) {
        const w = centroids[co + j]!
        a += x[xa + j]! * w
        b += x[xb + j]! * w
      }
      a -= halfNorms[c]!
      b -= halfNorms[c]!
      if (a > bsa) {
        bsa = a
        besta = c
      }
      if (b > bsb) {
        bsb = b
        bestb = c
      }
    }
    objective += finishRow(x, i * stride, dim, centroids, spherical, besta, bsa, assign, i, scoresOut)
    if (i + 1 < n)
      objective += finishRow(x, xb, dim, centroids, spherical, bestb, bsb, assign, i + 1, scoresOut)
  }
  return objective
}

/** Records a row's assignment and returns its share of the objective. */
function finishRow(
  x: Float32Array,
  xo: number,
  dim: number,
  centroids: Float32Array,
  spherical: boolean,
  best: number,
  bestScore: number,
  assign: Int32Array,
  row: number,
  scoresOut: Float64Array | null,
): number {
  assign[row] = best
  if (spherical) {
    if (scoresOut) scoresOut[row] = bestScore
    return 1 - bestScore
  }
  if (scoresOut) scoresOut[row] = l2sq(x, xo, centroids, best * dim, dim)
  // |x-c|² = |x|² - 2(x·c - |c|²/2)
  return Math.max(0, dot(x, xo, x, xo, dim) - 2 * bestScore)
}

/**
 * FAISS `split_clusters`: each empty cluster takes a copy of a donor chosen with
 * probability proportional to (size - 1); the two copies are pushed apart by ±EPS
 * relative and share the donor's count.
 */
function splitEmptyClusters(
  centroids: Float32Array,
  sizes: Int32Array,
  k: number,
  dim: number,
  n: number,
  rng: Rng,
): number {
  let splits = 0
  for (let ci = 0; ci < k; ci++) {
    if (sizes[ci]! !== 0) continue
    let cj = 0
    for (;;) {
      const p = (sizes[cj]! - 1) / (n - k)
      const r = rng.next()
      if (r < p) break
      cj = (cj + 1) % k
    }
    const io = ci * dim
    const jo = cj * dim
    for (let j = 0; j < dim; j++) {
      const v = centroids[jo + j]!
      if (j % 2 === 0) {
        centroids[io + j] = v * (1 + SPLIT_EPS)
        centroids[jo + j] = v * (1 - SPLIT_EPS)
      } else {
        centroids[io + j] = v * (1 - SPLIT_EPS)
        centroids[jo + j] = v * (1 + SPLIT_EPS)
      }
    }
    sizes[ci] = sizes[cj]! >> 1
    sizes[cj] = sizes[cj]! - sizes[ci]!
    splits++
  }
  return splits
}

/** D² seeding (Arthur & Vassilvitskii 2007) on the contiguous training block. */
function kmeansPlusPlus(
  x: Float32Array,
  m: number,
  dim: number,
  k: number,
  centroids: Float32Array,
  rng: Rng,
  spherical: boolean,
): void {
  const first = rng.int(m)
  centroids.set(x.subarray(first * dim, first * dim + dim), 0)
  const best = new Float64Array(m)
  const dist = (i: number, c: number) => {
    if (spherical) return Math.max(0, 1 - dot(x, i * dim, centroids, c * dim, dim))
    return l2sq(x, i * dim, centroids, c * dim, dim)
  }
  let total = 0
  for (let i = 0; i < m; i++) {
    best[i] = dist(i, 0)
    total += best[i]!
  }
  for (let c = 1; c < k; c++) {
    let pick = -1
    if (total > 0) {
      let r = rng.next() * total
      for (let i = 0; i < m; i++) {
        r -= best[i]!
        if (r < 0) {
          pick = i
          break
        }
      }
    }
    // All mass used up by rounding, or every row already sits on a centroid.
    if (pick < 0) pick = rng.int(m)
    centroids.set(x.subarray(pick * dim, pick * dim + dim), c * dim)
    total = 0
    for (let i = 0; i < m; i++) {
      const d = dist(i, c)
      if (d < best[i]!) best[i] = d
      total += best[i]!
    }
  }
}

function normalizeRows(a: Float32Array, rows: number, dim: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * dim
    const norm = Math.sqrt(dot(a, o, a, o, dim))
    if (norm > 0) for (let j = 0; j < dim; j++) a[o + j] = a[o + j]! / norm
  }
}

function checkShape(data: Float32Array, n: number, dim: number, stride: number): void {
  if (!(data instanceof Float32Array)) throw new AnnError('INVALID_ARGUMENT', 'data must be a Float32Array')
  if (!Number.isInteger(n) || n < 0)
    throw new AnnError('INVALID_ARGUMENT', `n must be a non-negative integer, got ${n}`)
  if (!Number.isInteger(dim) || dim < 1)
    throw new AnnError('INVALID_ARGUMENT', `dim must be a positive integer, got ${dim}`)
  if (!Number.isInteger(stride) || stride < dim) {
    throw new AnnError('INVALID_ARGUMENT', `stride must be an integer >= dim (${dim}), got ${stride}`)
  }
  if (n > 0 && data.length < (n - 1) * stride + dim) {
    throw new AnnError(
      'DIMENSION_MISMATCH',
      `data holds ${data.length} floats, too few for ${n} rows of stride ${stride}`,
    )
  }
}
