import { dot, l2sq, normalizeInPlace } from './distance.ts'
import { AnnError } from './errors.ts'
import { parseParam } from './flat.ts'
import { type Artifact, ArtifactWriter, requireSection } from './format.ts'
import { parseFrontier, resolveFromFrontier } from './frontier.ts'
import { adcScan } from './kernels/adc.ts'
import { exactScores } from './kernels/rerank.ts'
import { assignNearest, trainKmeans } from './kmeans.ts'
import { rotate, trainOpq } from './opq.ts'
import { ProductQuantizer } from './pq.ts'
import { TopK } from './topk.ts'
import type {
  FrontierPoint,
  Metric,
  SearchParams,
  SearchResult,
  SearchSettings,
  VectorIndex,
} from './types.ts'
import { checkInt, checkK, checkMetric, checkQueries, checkQuery, checkVectors } from './validate.ts'

/** Options of {@link buildIvfPq}. */
export interface IvfPqOptions {
  metric: Metric
  /** Number of inverted lists (coarse centroids). */
  nlist: number
  /** AdANNS `d_c`: leading dims used to train the coarse quantiser and to probe it (default `dim`). */
  clusterDims?: number
  /** Leading dims that are product-quantised (default `dim`); AdANNS-OPQ quantises a Matryoshka prefix. */
  pqDims?: number
  /** Sub-quantisers: bytes per code; must divide `pqDims`. */
  m: number
  /** Learn an OPQ rotation of the residuals before PQ (default false). */
  opq?: boolean
  /** Keep the float32 vectors for exact re-ranking (default false: codes only). */
  keepVectors?: boolean
  /** Default lists probed per query (default 1). */
  nprobe?: number
  /** Default re-rank depth (default 0: rank by the PQ estimate; needs `keepVectors`). */
  rerank?: number
  /** Seed of every randomised step (default 1234). */
  seed?: number
  /** Lloyd iterations of the coarse k-means (default 25). */
  kmeansIterations?: number
  /** Lloyd iterations of each PQ codebook (default 20). */
  pqIterations?: number
  /** Training rows per PQ centroid (default 64). */
  pqPointsPerCentroid?: number
  /** OPQ alternations (default 10). */
  opqIterations?: number
  /** Rows used to learn the OPQ rotation (default 8192). */
  opqTrainPoints?: number
  /** Called with (stage, done, total) while building. */
  onProgress?: (stage: string, done: number, total: number) => void
}

const KIND = 'ivfpq'

interface IvfPqInit {
  metric: Metric
  dim: number
  size: number
  nlist: number
  clusterDims: number
  pqDims: number
  nprobe: number
  rerank: number
  /** `nlist * clusterDims`: centroids probed at query time. */
  probeCentroids: Float32Array
  /** `nlist * pqDims`: list means in the (rotated) PQ space, the base of the residuals. */
  listCentroids: Float32Array
  /** `nlist + 1` offsets into `listIds` / `codes`. */
  listOffsets: Int32Array
  listIds: Int32Array
  codes: Uint8Array
  pq: ProductQuantizer
  rotation: Float32Array | undefined
  vectors: Float32Array | undefined
  frontier?: FrontierPoint[] | undefined
}

/**
 * IVF-PQ with AdANNS prefixes (AdANNS-OPQ): a coarse quantiser trained and probed on the
 * first `clusterDims` values, residuals of the first `pqDims` values against their list's
 * mean, product-quantised (optionally after an OPQ rotation) to `m` bytes per vector,
 * scanned with per-query ADC tables, and optionally re-ranked exactly.
 *
 * Scoring, in the PQ space `x_p` (the `pqDims` prefix, unit length for `cosine`, rotated
 * by `R` under OPQ, with list mean `c` and decoded residual `r`):
 * - `ip` / `cosine`: `<q, c + r> = <q, c> + Σ_j T[j][code_j]` with one inner-product table
 *   `T` per query and one dot product per probed list;
 * - `l2`: `|q - c - r|²` from a distance table of `q - c` built per probed list.
 * Rigid IVF-PQ / IVF-OPQ is the case `clusterDims = pqDims = dim`.
 */
export class IvfPqIndex implements VectorIndex {
  readonly kind = KIND
  readonly metric: Metric
  readonly dim: number
  readonly size: number
  frontier: FrontierPoint[] | undefined
  readonly nlist: number
  readonly clusterDims: number
  readonly pqDims: number
  readonly nprobe: number
  readonly rerank: number
  readonly probeCentroids: Float32Array
  readonly listCentroids: Float32Array
  readonly listOffsets: Int32Array
  readonly listIds: Int32Array
  readonly codes: Uint8Array
  readonly pq: ProductQuantizer
  readonly rotation: Float32Array | undefined
  readonly vectors: Float32Array | undefined

  #q: Float32Array
  #qp: Float32Array
  #qr: Float32Array
  #table: Float32Array
  #listScores: Float32Array
  #cand: Int32Array
  #candKeys: Float64Array
  #exact: Float64Array

  constructor(init: IvfPqInit) {
    this.metric = init.metric
    this.dim = init.dim
    this.size = init.size
    this.nlist = init.nlist
    this.clusterDims = init.clusterDims
    this.pqDims = init.pqDims
    this.nprobe = init.nprobe
    this.rerank = init.rerank
    this.probeCentroids = init.probeCentroids
    this.listCentroids = init.listCentroids
    this.listOffsets = init.listOffsets
    this.listIds = init.listIds
    this.codes = init.codes
    this.pq = init.pq
    this.rotation = init.rotation
    this.vectors = init.vectors
    this.frontier = init.frontier
    this.#q = new Float32Array(this.dim)
    this.#qp = new Float32Array(this.pqDims)
    this.#qr = new Float32Array(this.pqDims)
    this.#table = new Float32Array(this.pq.m * this.pq.ksub)
    let longest = 0
    for (let l = 0; l < this.nlist; l++)
      longest = Math.max(longest, init.listOffsets[l + 1]! - init.listOffsets[l]!)
    this.#listScores = new Float32Array(longest)
    this.#cand = new Int32Array(0)
    this.#candKeys = new Float64Array(0)
    this.#exact = new Float64Array(0)
  }

  /** Bytes per vector in the scanned codes. */
  get codeSize(): number {
    return this.pq.m
  }

  /** Bytes of the PQ codes alone (`size * m`). */
  codeBytes(): number {
    return this.codes.byteLength
  }

  /** Bytes of the float32 re-rank store (0 without `keepVectors`). */
  rerankBytes(): number {
    return this.vectors?.byteLength ?? 0
  }

  byteSize(): number {
    return (
      this.codes.byteLength +
      this.listIds.byteLength +
      this.listOffsets.byteLength +
      this.probeCentroids.byteLength +
      this.listCentroids.byteLength +
      this.pq.byteSize() +
      (this.rotation?.byteLength ?? 0) +
      (this.vectors?.byteLength ?? 0)
    )
  }

  search(query: Float32Array, k: number, params: SearchParams = {}): SearchResult {
    checkQuery(query, this.dim)
    return this.#search(query, 0, checkK(k), params)
  }

  searchBatch(queries: Float32Array, k: number, params: SearchParams = {}): SearchResult[] {
    const nq = checkQueries(queries, this.dim)
    checkK(k)
    const out: SearchResult[] = []
    for (let i = 0; i < nq; i++) {
      out.push(this.#search(queries, i * this.dim, k, params))
    }
    return out
  }

  /** The settings `tune` measures by default: nprobe doublings, with and without re-ranking when vectors are kept. */
  tuningGrid(k: number): SearchSettings[] {
    const grid: SearchSettings[] = []
    const reranks = this.vectors ? [0, 2 * k, 5 * k, 10 * k, 20 * k] : [0]
    for (let nprobe = 1; ; nprobe = Math.min(2 * nprobe, this.nlist)) {
      for (const rerank of reranks) {
        const s: SearchSettings = {
          nprobe,
          clusterDims: this.clusterDims,
          scanDims: rerank ? this.dim : this.pqDims,
        }
        if (rerank) s.rerank = rerank
        grid.push(s)
      }
      if (nprobe === this.nlist || nprobe >= 256) break
    }
    return grid
  }

  #search(queries: Float32Array, qo: number, k: number, params: SearchParams): SearchResult {
    const { dim, metric, nlist, pqDims, pq } = this
    const settings = resolveFromFrontier(this.frontier, params) ?? params
    const nprobe = checkInt('nprobe', settings.nprobe ?? this.nprobe, 1, nlist)
    const clusterDims = checkInt('clusterDims', settings.clusterDims ?? this.clusterDims, 1, this.clusterDims)
    const rerank = checkInt('rerank', settings.rerank ?? this.rerank, 0)
    if (rerank > 0 && !this.vectors) {
      throw new AnnError('INVALID_ARGUMENT', 'rerank needs an index built with keepVectors: true')
    }
    const scanDims = checkInt('scanDims', settings.scanDims ?? (rerank > 0 ? dim : pqDims), 1, dim)
    if (rerank === 0 && settings.scanDims !== undefined && scanDims !== pqDims) {
      throw new AnnError(
        'INVALID_ARGUMENT',
        `without rerank the scan uses the ${pqDims} quantised dims; scanDims must be ${pqDims}`,
      )
    }
    const ip = metric !== 'l2'

    // The query, unit length for cosine (the probe ranking needs no further scaling).
    const q = this.#q
    q.set(queries.subarray(qo, qo + dim))
    if (metric === 'cosine') normalizeInPlace(q, 0, dim)
    let flops = 2 * dim

    // Probe: the nprobe best lists on the first clusterDims values. Prefixes of the
    // centroids are valid (coarser) centroids of the Matryoshka prefixes.
    const probe = new TopK(nprobe)
    const pc = this.probeCentroids
    const cd = this.clusterDims
    if (metric === 'cosine' && clusterDims < cd) {
      for (let l = 0; l < nlist; l++) {
        const norm = Math.sqrt(dot(pc, l * cd, pc, l * cd, clusterDims))
        const s = norm > 0 ? dot(pc, l * cd, q, 0, clusterDims) / norm : 0
        if (s >= probe.threshold) probe.push(l, s)
      }
      flops += nlist * 4 * clusterDims
    } else if (ip) {
      for (let l = 0; l < nlist; l++) {
        const s = dot(pc, l * cd, q, 0, clusterDims)
        if (s >= probe.threshold) probe.push(l, s)
      }
      flops += nlist * 2 * clusterDims
    } else {
      for (let l = 0; l < nlist; l++) {
        const s = -l2sq(pc, l * cd, q, 0, clusterDims)
        if (s >= probe.threshold) probe.push(l, s)
      }
      flops += nlist * 3 * clusterDims
    }
    const lists = new Int32Array(probe.size)
    probe.drain(lists, new Float64Array(lists.length))

    // The query in the PQ space: the pqDims prefix (re-normalised for cosine), rotated under OPQ.
    const qp = this.#qp
    qp.set(q.subarray(0, pqDims))
    if (metric === 'cosine' && pqDims < dim) {
      normalizeInPlace(qp, 0, pqDims)
      flops += 2 * pqDims
    }
    const qr = this.#qr
    if (this.rotation) flops += rotate(this.rotation, pqDims, qp, 0, qr, 0)
    else qr.set(qp)

    // Scan: ADC over the probed lists into a heap of the best `depth` codes. For ip/cosine
    // one inner-product table serves every list (score = q·c + Σ T[code]); for l2 the
    // table of q - c is built per list.
    const depth = Math.max(k, rerank)
    const heap = new TopK(depth)
    const table = this.#table
    const scores = this.#listScores
    const { m, ksub } = pq
    if (ip) flops += pq.innerProductTable(qr, 0, table)
    const ids = this.listIds
    let scanned = 0
    for (let li = 0; li < lists.length; li++) {
      const l = lists[li]!
      const start = this.listOffsets[l]!
      const count = this.listOffsets[l + 1]! - start
      if (count === 0) continue
      let bias = 0
      if (ip) {
        bias = dot(this.listCentroids, l * pqDims, qr, 0, pqDims)
        flops += 2 * pqDims
      } else {
        // qp is free once qr is built: reuse it for q - c.
        for (let j = 0; j < pqDims; j++) qp[j] = qr[j]! - this.listCentroids[l * pqDims + j]!
        flops += pqDims + pq.distanceTable(qp, 0, table)
      }
      adcScan(this.codes, start, count, m, ksub, table, bias, scores, 0)
      let threshold = heap.threshold
      const sign = ip ? 1 : -1
      for (let i = 0; i < count; i++) {
        const s = sign * scores[i]!
        if (s >= threshold) {
          heap.push(ids[start + i]!, s)
          threshold = heap.threshold
        }
      }
      scanned += count
    }
    flops += scanned * m

    const found = heap.size
    if (this.#cand.length < depth) {
      this.#cand = new Int32Array(depth)
      this.#candKeys = new Float64Array(depth)
      this.#exact = new Float64Array(depth)
    }
    const cand = this.#cand
    const keys = this.#candKeys
    heap.drain(cand, keys)

    let outIds: Int32Array
    let outScores: Float32Array
    let reranked = 0
    if (rerank > 0 && this.vectors) {
      reranked = Math.min(rerank, found)
      const exact = this.#exact
      flops += exactScores(this.vectors, dim, metric, q, scanDims, cand, reranked, exact)
      const top = new TopK(Math.min(k, reranked))
      for (let i = 0; i < reranked; i++) {
        const s = exact[i]!
        if (s >= top.threshold) top.push(cand[i]!, s)
      }
      outIds = new Int32Array(top.size)
      const best = new Float64Array(top.size)
      top.drain(outIds, best)
      outScores = new Float32Array(outIds.length)
      for (let i = 0; i < outIds.length; i++) outScores[i] = ip ? best[i]! : -best[i]!
    } else {
      const kk = Math.min(k, found)
      outIds = cand.slice(0, kk)
      outScores = new Float32Array(kk)
      for (let i = 0; i < kk; i++) outScores[i] = ip ? keys[i]! : -keys[i]!
    }
    const used: SearchSettings = { nprobe, clusterDims, scanDims }
    if (rerank > 0) used.rerank = rerank
    return {
      ids: outIds,
      scores: outScores,
      cost: { dims: Math.max(clusterDims, scanDims), candidates: scanned + reranked, flops },
      settings: used,
    }
  }

  serialize(): Uint8Array {
    const w = new ArtifactWriter(KIND, {
      metric: this.metric,
      dim: this.dim,
      size: this.size,
      nlist: this.nlist,
      clusterDims: this.clusterDims,
      pqDims: this.pqDims,
      m: this.pq.m,
      ksub: this.pq.ksub,
      nprobe: this.nprobe,
      rerank: this.rerank,
      opq: this.rotation !== undefined,
      keepVectors: this.vectors !== undefined,
      frontier: this.frontier ?? null,
    })
    w.addSection('probe_centroids', this.probeCentroids)
    w.addSection('list_centroids', this.listCentroids)
    w.addSection('list_offsets', this.listOffsets)
    w.addSection('list_ids', this.listIds)
    w.addSection('codes', this.codes)
    w.addSection('pq_centroids', this.pq.centroids)
    if (this.rotation) w.addSection('rotation', this.rotation)
    if (this.vectors) w.addSection('vectors', this.vectors)
    return w.finish()
  }
}

/**
 * Builds an IVF-PQ index (AdANNS-OPQ with `opq: true` and `pqDims < dim`) over `n` rows of
 * `dim` floats.
 * @example
 * // 32 bytes per vector: OPQ on the first 128 dims of 768-d Matryoshka embeddings.
 * const index = buildIvfPq(vectors, n, 768, { metric: 'cosine', nlist: 1024, pqDims: 128, m: 32, opq: true })
 * const { ids } = index.search(query, 10, { nprobe: 8 })
 */
export function buildIvfPq(data: Float32Array, n: number, dim: number, options: IvfPqOptions): IvfPqIndex {
  const {
    metric,
    nlist,
    m,
    clusterDims = dim,
    pqDims = dim,
    opq = false,
    keepVectors = false,
    nprobe = 1,
    rerank = 0,
    seed = 1234,
    kmeansIterations = 25,
    pqIterations = 20,
    pqPointsPerCentroid = 64,
    opqIterations = 10,
    opqTrainPoints = 8192,
    onProgress,
  } = options
  checkMetric(metric)
  checkInt('n', n, 1)
  checkVectors('data', data, n, dim)
  checkInt('nlist', nlist, 1, n)
  checkInt('clusterDims', clusterDims, 1, dim)
  checkInt('pqDims', pqDims, 1, dim)
  checkInt('m', m, 1, pqDims)
  if (pqDims % m !== 0) throw new AnnError('INVALID_ARGUMENT', `m = ${m} must divide pqDims = ${pqDims}`)
  checkInt('nprobe', nprobe, 1, nlist)
  checkInt('rerank', rerank, 0)
  if (rerank > 0 && !keepVectors) throw new AnnError('INVALID_ARGUMENT', 'rerank needs keepVectors: true')
  if (typeof opq !== 'boolean') throw new AnnError('INVALID_ARGUMENT', 'opq must be a boolean')

  // Working copy: unit rows for cosine (prefixes are re-normalised where they are used).
  const x = new Float32Array(data)
  if (metric === 'cosine') for (let i = 0; i < n; i++) normalizeInPlace(x, i * dim, dim)

  // Coarse quantiser on the clusterDims prefix; every row goes to its nearest centroid.
  const km = trainKmeans(x, n, clusterDims, {
    k: nlist,
    iterations: kmeansIterations,
    seed,
    metric,
    stride: dim,
    onProgress: (i, t) => onProgress?.('coarse', i, t),
  })
  const assign = assignNearest(x, n, clusterDims, km.centroids, nlist, { metric, stride: dim })
  onProgress?.('assign', n, n)

  // PQ-space rows (prefix, re-normalised for cosine) and their list means.
  const xp = new Float32Array(n * pqDims)
  for (let i = 0; i < n; i++) {
    xp.set(x.subarray(i * dim, i * dim + pqDims), i * pqDims)
    if (metric === 'cosine') normalizeInPlace(xp, i * pqDims, pqDims)
  }
  const sums = new Float64Array(nlist * pqDims)
  const counts = new Int32Array(nlist)
  for (let i = 0; i < n; i++) {
    const l = assign[i]!
    counts[l]!++
    for (let j = 0; j < pqDims; j++) sums[l * pqDims + j]! += xp[i * pqDims + j]!
  }
  let listCentroids = new Float32Array(nlist * pqDims)
  for (let l = 0; l < nlist; l++) {
    if (counts[l] === 0) continue
    for (let j = 0; j < pqDims; j++) listCentroids[l * pqDims + j] = sums[l * pqDims + j]! / counts[l]!
  }
  // Residuals, in place.
  for (let i = 0; i < n; i++) {
    const l = assign[i]!
    for (let j = 0; j < pqDims; j++) xp[i * pqDims + j]! -= listCentroids[l * pqDims + j]!
  }

  const pqOptions = {
    m,
    seed,
    iterations: pqIterations,
    maxPointsPerCentroid: pqPointsPerCentroid,
    onProgress: (d: number, t: number) => onProgress?.('pq', d, t),
  }
  let pq: ProductQuantizer
  let rotation: Float32Array | undefined
  let residuals = xp
  if (opq) {
    const trained = trainOpq(xp, n, pqDims, {
      ...pqOptions,
      opqIterations,
      opqTrainPoints,
      onOpqProgress: (d, t) => onProgress?.('opq', d, t),
    })
    pq = trained.pq
    rotation = trained.rotation
    residuals = new Float32Array(n * pqDims)
    for (let i = 0; i < n; i++) rotate(rotation, pqDims, xp, i * pqDims, residuals, i * pqDims)
    const rotated = new Float32Array(nlist * pqDims)
    for (let l = 0; l < nlist; l++) rotate(rotation, pqDims, listCentroids, l * pqDims, rotated, l * pqDims)
    listCentroids = rotated
  } else {
    pq = ProductQuantizer.train(xp, n, pqDims, pqOptions)
  }

  // Inverted lists: rows grouped by list (stable), codes in the same order.
  const listOffsets = new Int32Array(nlist + 1)
  for (let l = 0; l < nlist; l++) listOffsets[l + 1] = listOffsets[l]! + counts[l]!
  const fill = listOffsets.slice(0, nlist)
  const listIds = new Int32Array(n)
  for (let i = 0; i < n; i++) listIds[fill[assign[i]!]!++] = i
  const codes = new Uint8Array(n * m)
  for (let p = 0; p < n; p++) {
    pq.encode(residuals, listIds[p]! * pqDims, codes, p * m)
    if ((p & 0x3fff) === 0) onProgress?.('encode', p, n)
  }
  onProgress?.('encode', n, n)

  return new IvfPqIndex({
    metric,
    dim,
    size: n,
    nlist,
    clusterDims,
    pqDims,
    nprobe,
    rerank,
    probeCentroids: km.centroids,
    listCentroids,
    listOffsets,
    listIds,
    codes,
    pq,
    rotation,
    vectors: keepVectors ? x : undefined,
  })
}

/** Reads an IVF-PQ index back from its artifact, validating every array. */
export function loadIvfPq(artifact: Artifact): IvfPqIndex {
  if (artifact.kind !== KIND)
    throw new AnnError('CORRUPT', `expected a '${KIND}' artifact, got '${artifact.kind}'`)
  const p = artifact.params
  const metric = parseParam(() => checkMetric(p['metric']))
  const dim = parseParam(() => checkInt('dim', p['dim'], 1))
  const size = parseParam(() => checkInt('size', p['size'], 1))
  const nlist = parseParam(() => checkInt('nlist', p['nlist'], 1, size))
  const clusterDims = parseParam(() => checkInt('clusterDims', p['clusterDims'], 1, dim))
  const pqDims = parseParam(() => checkInt('pqDims', p['pqDims'], 1, dim))
  const m = parseParam(() => checkInt('m', p['m'], 1, pqDims))
  const ksub = parseParam(() => checkInt('ksub', p['ksub'], 1, 256))
  const nprobe = parseParam(() => checkInt('nprobe', p['nprobe'], 1, nlist))
  const rerank = parseParam(() => checkInt('rerank', p['rerank'], 0))
  if (pqDims % m !== 0) throw new AnnError('CORRUPT', 'stored m does not divide pqDims')
  if (typeof p['opq'] !== 'boolean' || typeof p['keepVectors'] !== 'boolean') {
    throw new AnnError('CORRUPT', 'stored opq and keepVectors must be booleans')
  }
  const probeCentroids = requireSection(artifact, 'probe_centroids', 'f32', nlist * clusterDims)
  const listCentroids = requireSection(artifact, 'list_centroids', 'f32', nlist * pqDims)
  const listOffsets = requireSection(artifact, 'list_offsets', 'i32', nlist + 1)
  const listIds = requireSection(artifact, 'list_ids', 'i32', size)
  const codes = requireSection(artifact, 'codes', 'u8', size * m)
  const pqCentroids = requireSection(artifact, 'pq_centroids', 'f32', pqDims * ksub)
  const rotation = p['opq'] ? requireSection(artifact, 'rotation', 'f32', pqDims * pqDims) : undefined
  const vectors = p['keepVectors'] ? requireSection(artifact, 'vectors', 'f32', size * dim) : undefined
  if (listOffsets[0] !== 0 || listOffsets[nlist] !== size)
    throw new AnnError('CORRUPT', 'list offsets do not span the rows')
  for (let l = 0; l < nlist; l++) {
    if (listOffsets[l + 1]! < listOffsets[l]!) throw new AnnError('CORRUPT', 'list offsets are not monotone')
  }
  const seen = new Uint8Array(size)
  for (let i = 0; i < size; i++) {
    const id = listIds[i]!
    if (id < 0 || id >= size || seen[id])
      throw new AnnError('CORRUPT', 'list ids are not a permutation of the rows')
    seen[id] = 1
  }
  for (let i = 0; i < codes.length; i++)
    if (codes[i]! >= ksub) throw new AnnError('CORRUPT', 'a code exceeds ksub')
  return new IvfPqIndex({
    metric,
    dim,
    size,
    nlist,
    clusterDims,
    pqDims,
    nprobe,
    rerank,
    probeCentroids,
    listCentroids,
    listOffsets,
    listIds,
    codes,
    pq: new ProductQuantizer(pqDims, m, ksub, pqCentroids),
    rotation,
    vectors,
    frontier: parseFrontier(p['frontier']),
  })
}
