import { normalizeInPlace } from './distance.ts'
import { AnnError } from './errors.ts'
import { parseParam } from './flat.ts'
import { type Artifact, requireSection } from './format.ts'
import { parseFrontier } from './frontier.ts'
import { IVFPQ_KIND, IvfPqIndex } from './ivfpq-index.ts'
import { assignNearest, trainKmeans } from './kmeans.ts'
import { rotate, trainOpq } from './opq.ts'
import { ProductQuantizer } from './pq.ts'
import type { Metric } from './types.ts'
import {
  checkFinite,
  checkInt,
  checkMetric,
  checkVectors,
  MAX_INDEX_DIM,
  MAX_MAGNITUDE,
  MAX_RERANK,
} from './validate.ts'

export { IvfPqIndex } from './ivfpq-index.ts'

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
  /** Centroids per sub-quantiser, at most 256 (default 256: 8-bit codes, as FAISS `PQ{m}x8`). */
  ksub?: number
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
  /** Lloyd iterations of each PQ codebook (default 10). */
  pqIterations?: number
  /** Training rows per PQ centroid (default 32). */
  pqPointsPerCentroid?: number
  /** OPQ alternations (default 10). */
  opqIterations?: number
  /** Rows used to learn the OPQ rotation (default 4096). */
  opqTrainPoints?: number
  /** Called with (stage, done, total) while building. */
  onProgress?: (stage: string, done: number, total: number) => void
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
    pqIterations = 10,
    pqPointsPerCentroid = 32,
    opqIterations = 10,
    opqTrainPoints = 4096,
    onProgress,
  } = options
  checkMetric(metric)
  checkInt('n', n, 1)
  checkVectors('data', data, n, dim)
  checkInt('nlist', nlist, 1, n)
  checkInt('clusterDims', clusterDims, 1, dim)
  checkInt('pqDims', pqDims, 1, dim)
  checkInt('m', m, 1, pqDims)
  const ksub = checkInt('ksub', options.ksub ?? Math.min(256, n), 1, Math.min(256, n))
  if (pqDims % m !== 0) throw new AnnError('INVALID_ARGUMENT', `m = ${m} must divide pqDims = ${pqDims}`)
  checkInt('nprobe', nprobe, 1, nlist)
  checkInt('rerank', rerank, 0, MAX_RERANK)
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
    ksub,
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
    const scratch = new Float64Array(pqDims)
    for (let i = 0; i < n; i++) rotate(rotation, pqDims, xp, i * pqDims, residuals, i * pqDims, scratch)
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
  if (artifact.kind !== IVFPQ_KIND)
    throw new AnnError('CORRUPT', `expected a '${IVFPQ_KIND}' artifact, got '${artifact.kind}'`)
  const p = artifact.params
  const metric = parseParam(() => checkMetric(p['metric']))
  // Without stored vectors no section pins `dim`, and the index sizes its query buffers by it.
  const dim = parseParam(() => checkInt('dim', p['dim'], 1, MAX_INDEX_DIM))
  const size = parseParam(() => checkInt('size', p['size'], 1))
  const nlist = parseParam(() => checkInt('nlist', p['nlist'], 1, size))
  const clusterDims = parseParam(() => checkInt('clusterDims', p['clusterDims'], 1, dim))
  const pqDims = parseParam(() => checkInt('pqDims', p['pqDims'], 1, dim))
  const m = parseParam(() => checkInt('m', p['m'], 1, pqDims))
  const ksub = parseParam(() => checkInt('ksub', p['ksub'], 1, 256))
  const nprobe = parseParam(() => checkInt('nprobe', p['nprobe'], 1, nlist))
  const rerank = parseParam(() => checkInt('rerank', p['rerank'], 0, MAX_RERANK))
  if (pqDims % m !== 0) throw new AnnError('CORRUPT', 'stored m does not divide pqDims')
  if (typeof p['opq'] !== 'boolean' || typeof p['keepVectors'] !== 'boolean') {
    throw new AnnError('CORRUPT', 'stored opq and keepVectors must be booleans')
  }
  if (rerank > 0 && !p['keepVectors'])
    throw new AnnError('CORRUPT', 'stored rerank needs stored vectors (keepVectors)')
  const probeCentroids = requireSection(artifact, 'probe_centroids', 'f32', nlist * clusterDims)
  const listCentroids = requireSection(artifact, 'list_centroids', 'f32', nlist * pqDims)
  const listOffsets = requireSection(artifact, 'list_offsets', 'i32', nlist + 1)
  const listIds = requireSection(artifact, 'list_ids', 'i32', size)
  const codes = requireSection(artifact, 'codes', 'u8', size * m)
  const pqCentroids = requireSection(artifact, 'pq_centroids', 'f32', pqDims * ksub)
  const rotation = p['opq'] ? requireSection(artifact, 'rotation', 'f32', pqDims * pqDims) : undefined
  const vectors = p['keepVectors'] ? requireSection(artifact, 'vectors', 'f32', size * dim) : undefined
  // Bounds: vectors and probe centroids as any vector; an OPQ rotation is orthonormal (entries
  // within ±1); list and PQ centroids live in the (rotated) PQ space, where a value is at most
  // a vector's norm (2^40) and a residual twice that. Every ADC table entry stays finite.
  const floats: [string, Float32Array | undefined, number, number][] = [
    ['probe_centroids', probeCentroids, clusterDims, MAX_MAGNITUDE],
    ['list_centroids', listCentroids, pqDims, 2 ** 41],
    ['pq_centroids', pqCentroids, pqDims, 2 ** 41],
    ['rotation', rotation, pqDims, 2],
    ['vectors', vectors, dim, MAX_MAGNITUDE],
  ]
  for (const [name, section, width, bound] of floats) {
    if (section) parseParam(() => checkFinite(name, section, width, bound))
  }
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
    frontier: parseFrontier(p['frontier'], { dims: dim, clusterDims, nlist }),
  })
}
