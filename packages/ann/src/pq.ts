import { AnnError } from './errors.ts'
import { trainKmeans } from './kmeans.ts'
import { checkInt } from './validate.ts'

/** Training options of a {@link ProductQuantizer}. */
export interface ProductQuantizerOptions {
  /** Number of sub-quantisers; must divide the quantised dimension. One byte per sub-quantiser per code. */
  m: number
  /** Centroids per sub-quantiser (at most 256, default 256 or `n` if fewer rows). */
  ksub?: number
  /** Lloyd iterations per sub-quantiser (default 10). */
  iterations?: number
  /** Rows sampled per centroid for training (default 32, so 8,192 rows at 256 centroids). */
  maxPointsPerCentroid?: number
  /** Seed of the k-means sampling and init (default 1234). */
  seed?: number
  /** Distance between rows of the training data, in floats (default: the quantised dimension). */
  stride?: number
  /** Called after each trained sub-quantiser with (done, total). */
  onProgress?: (done: number, total: number) => void
}

/**
 * Product quantiser (Jégou et al. 2011, FAISS `ProductQuantizer` with 8-bit codes): the
 * `dim` leading values of a vector are cut into `m` sub-vectors of `dsub = dim / m`
 * values, and each sub-vector is replaced by the index of its nearest centroid in its own
 * codebook of `ksub <= 256` centroids, so a code is `m` bytes. Distances to a query are
 * computed from per-query lookup tables (ADC): `m * ksub` partial distances, then `m`
 * table lookups per code.
 */
export class ProductQuantizer {
  /** Number of leading dimensions quantised. */
  readonly dim: number
  readonly m: number
  readonly dsub: number
  readonly ksub: number
  /** `m * ksub * dsub` floats: codebook of sub-quantiser `j` at `j * ksub * dsub`. */
  readonly centroids: Float32Array
  /** `m * ksub` squared centroid norms (the encoder's `|c|²` term). */
  readonly #norms: Float32Array

  constructor(dim: number, m: number, ksub: number, centroids: Float32Array) {
    checkInt('dim', dim, 1)
    checkInt('m', m, 1)
    checkInt('ksub', ksub, 1, 256)
    if (dim % m !== 0)
      throw new AnnError('INVALID_ARGUMENT', `m = ${m} must divide the quantised dimension ${dim}`)
    if (centroids.length !== dim * ksub) {
      throw new AnnError('DIMENSION_MISMATCH', `codebooks must hold m * ksub * dsub = ${dim * ksub} floats`)
    }
    this.dim = dim
    this.m = m
    this.dsub = dim / m
    this.ksub = ksub
    this.centroids = centroids
    this.#norms = new Float32Array(m * ksub)
    const dsub = this.dsub
    for (let c = 0; c < m * ksub; c++) {
      let s = 0
      for (let t = 0; t < dsub; t++) s += centroids[c * dsub + t]! * centroids[c * dsub + t]!
      this.#norms[c] = s
    }
  }

  /**
   * Trains one k-means codebook per sub-space on the first `dim` values of `n` rows.
   * @example
   * const pq = ProductQuantizer.train(vectors, n, 256, { m: 32, seed: 7 })
   * const codes = pq.encodeBatch(vectors, n) // 32 bytes per vector
   */
  static train(
    data: Float32Array,
    n: number,
    dim: number,
    options: ProductQuantizerOptions,
  ): ProductQuantizer {
    const { m, iterations = 10, maxPointsPerCentroid = 32, seed = 1234, stride = dim, onProgress } = options
    checkInt('dim', dim, 1)
    checkInt('m', m, 1)
    checkInt('n', n, 1)
    if (dim % m !== 0)
      throw new AnnError('INVALID_ARGUMENT', `m = ${m} must divide the quantised dimension ${dim}`)
    const ksub = options.ksub ?? Math.min(256, n)
    checkInt('ksub', ksub, 1, Math.min(256, n))
    const dsub = dim / m
    const centroids = new Float32Array(dim * ksub)
    for (let j = 0; j < m; j++) {
      // Sub-space j: the same rows seen through an offset view, so nothing is copied here.
      const view = data.subarray(j * dsub)
      const km = trainKmeans(view, n, dsub, {
        k: ksub,
        iterations,
        maxPointsPerCentroid,
        seed: seed + j,
        stride,
      })
      centroids.set(km.centroids, j * ksub * dsub)
      onProgress?.(j + 1, m)
    }
    return new ProductQuantizer(dim, m, ksub, centroids)
  }

  /** Bytes per code. */
  get codeSize(): number {
    return this.m
  }

  /** Bytes held by the codebooks. */
  byteSize(): number {
    return this.centroids.byteLength + this.#norms.byteLength
  }

  /** Encodes `x[xo..xo+dim)` into `codes[co..co+m)`. */
  encode(x: Float32Array, xo: number, codes: Uint8Array, co: number): void {
    const { m, ksub, dsub, centroids } = this
    const norms = this.#norms
    for (let j = 0; j < m; j++) {
      const xj = xo + j * dsub
      const cb = j * ksub
      let best = 0
      let bestScore = Number.NEGATIVE_INFINITY
      // argmin |x - c|² = argmax (x·c - |c|²/2): one multiply-add per value, four
      // centroids per pass so that each loaded query value serves four products.
      let c = 0
      for (; c + 4 <= ksub; c += 4) {
        const o0 = (cb + c) * dsub
        const o1 = o0 + dsub
        const o2 = o1 + dsub
        const o3 = o2 + dsub
        let s0 = 0
        let s1 = 0
        let s2 = 0
        let s3 = 0
        for (let t = 0; t < dsub; t++) {
          const v = x[xj + t]!
          s0 += v * centroids[o0 + t]!
          s1 += v * centroids[o1 + t]!
          s2 += v * centroids[o2 + t]!
          s3 += v * centroids[o3 + t]!
        }
        s0 -= 0.5 * norms[cb + c]!
        s1 -= 0.5 * norms[cb + c + 1]!
        s2 -= 0.5 * norms[cb + c + 2]!
        s3 -= 0.5 * norms[cb + c + 3]!
        // Strict > in centroid order: the first of equal scores wins, as in a one-by-one loop.
        if (s0 > bestScore) {
          bestScore = s0
          best = c
        }
        if (s1 > bestScore) {
          bestScore = s1
          best = c + 1
        }
        if (s2 > bestScore) {
          bestScore = s2
          best = c + 2
        }
        if (s3 > bestScore) {
          bestScore = s3
          best = c + 3
        }
      }
      for (; c < ksub; c++) {
        const o = (cb + c) * dsub
        let s = 0
        for (let t = 0; t < dsub; t++) s += x[xj + t]! * centroids[o + t]!
        s -= 0.5 * norms[cb + c]!
        if (s > bestScore) {
          bestScore = s
          best = c
        }
      }
      codes[co + j] = best
    }
  }

  /** Encodes `n` rows (first `dim` values of each, row length `stride`) into `n * m` bytes. */
  encodeBatch(
    data: Float32Array,
    n: number,
    stride = this.dim,
    out: Uint8Array = new Uint8Array(n * this.m),
  ): Uint8Array {
    if (stride < this.dim || data.length < (n - 1) * stride + this.dim) {
      throw new AnnError('DIMENSION_MISMATCH', `data too short for ${n} rows of stride ${stride}`)
    }
    for (let i = 0; i < n; i++) this.encode(data, i * stride, out, i * this.m)
    return out
  }

  /** Writes the reconstruction of `codes[co..co+m)` to `out[oo..oo+dim)`. */
  decode(codes: Uint8Array, co: number, out: Float32Array, oo: number): void {
    const { m, ksub, dsub, centroids } = this
    for (let j = 0; j < m; j++) {
      const src = (j * ksub + codes[co + j]!) * dsub
      out.set(centroids.subarray(src, src + dsub), oo + j * dsub)
    }
  }

  /**
   * ADC table for squared L2: `table[j * ksub + c] = |q_j - centroid_(j,c)|²`.
   * @returns the FLOPs spent
   */
  distanceTable(q: Float32Array, qo: number, table: Float32Array): number {
    const { m, ksub, dsub, centroids } = this
    for (let j = 0; j < m; j++) {
      const qj = qo + j * dsub
      for (let c = 0; c < ksub; c++) {
        const co = (j * ksub + c) * dsub
        let s = 0
        for (let t = 0; t < dsub; t++) {
          const x = q[qj + t]! - centroids[co + t]!
          s += x * x
        }
        table[j * ksub + c] = s
      }
    }
    return 3 * ksub * this.dim
  }

  /**
   * ADC table for inner products: `table[j * ksub + c] = q_j · centroid_(j,c)`.
   * @returns the FLOPs spent
   */
  innerProductTable(q: Float32Array, qo: number, table: Float32Array): number {
    const { m, ksub, dsub, centroids } = this
    for (let j = 0; j < m; j++) {
      const qj = qo + j * dsub
      for (let c = 0; c < ksub; c++) {
        const co = (j * ksub + c) * dsub
        let s = 0
        for (let t = 0; t < dsub; t++) s += q[qj + t]! * centroids[co + t]!
        table[j * ksub + c] = s
      }
    }
    return 2 * ksub * this.dim
  }
}
