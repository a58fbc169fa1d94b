import { AnnError } from './errors.ts'
import { parseParam, prefixList } from './flat.ts'
import { type Artifact, ArtifactWriter, requireSection } from './format.ts'
import { parseFrontier, resolveFromFrontier } from './frontier.ts'
import { assignNearest, type KmeansInit, trainKmeans } from './kmeans.ts'
import {
  buildRowStore,
  keyToScore,
  normalizePrefixes,
  prepareQuery,
  type RowStore,
  readStore,
  scanRange,
  scoreRows,
  singleBlockStore,
  storeBytes,
  storeParams,
  writeStore,
} from './prefix-store.ts'
import { TopK } from './topk.ts'
import type {
  FrontierPoint,
  Metric,
  SearchParams,
  SearchResult,
  SearchSettings,
  VectorIndex,
} from './types.ts'
import {
  checkFinite,
  checkInt,
  checkK,
  checkMetric,
  checkQueries,
  checkQuery,
  checkVectors,
  MAX_INDEX_DIM,
} from './validate.ts'

/** Build stages reported to `onProgress`. */
export type IvfBuildStage = 'kmeans' | 'assign'

export interface IvfOptions {
  metric: Metric
  /** Number of inverted lists (k-means centroids). */
  nlist: number
  /** AdANNS `d_c`: leading dims used for k-means and probing (default: all). */
  clusterDims?: number
  /** Leading dims kept per vector for scanning and re-ranking (default: all). */
  storeDims?: number
  /** Default `d_s` of searches (default `storeDims`). */
  scanDims?: number
  /** Default lists probed per query (default 1, as FAISS). */
  nprobe?: number
  /** Prefix lengths with precomputed norms (default 8, 16, 32, ... and `storeDims`). */
  prefixDims?: number[]
  /** k-means settings (FAISS defaults: 25 iterations, seed 1234, 256 points per centroid). */
  seed?: number
  iterations?: number
  init?: KmeansInit
  maxPointsPerCentroid?: number
  onProgress?: (stage: IvfBuildStage, done: number, total: number) => void
}

interface IvfParts {
  dim: number
  nlist: number
  clusterDims: number
  nprobe: number
  scanDims: number
  centroids: RowStore
  listOffsets: Int32Array
  ids: Int32Array
  store: RowStore
  frontier: FrontierPoint[] | undefined
  build: Record<string, unknown>
}

const ASSIGN_CHUNK = 2048

/**
 * AdANNS-IVF: an inverted file whose coarse quantiser is trained and probed on the first
 * `d_c` dims of Matryoshka vectors while the probed lists are scanned on the first `d_s`
 * dims (each prefix re-normalised for cosine). Rigid IVF is `d_c = d_s = d`. `nprobe`,
 * `d_s` and a probe prefix `clusterDims <= d_c` are per-query choices. Each list's
 * vectors are stored contiguously for a linear scan.
 * @example
 * const index = IvfIndex.build(vectors, n, 768, { metric: 'cosine', nlist: 1024, clusterDims: 64 })
 * const hits = index.search(query, 10, { nprobe: 8, scanDims: 128 })
 */
export class IvfIndex implements VectorIndex {
  readonly kind = 'ivf' as const
  readonly metric: Metric
  readonly dim: number
  readonly size: number
  readonly nlist: number
  readonly clusterDims: number
  readonly storeDims: number
  /** Defaults used when a search does not choose. */
  readonly nprobe: number
  readonly scanDims: number
  frontier: FrontierPoint[] | undefined
  readonly centroids: RowStore
  readonly listOffsets: Int32Array
  readonly ids: Int32Array
  readonly store: RowStore
  readonly #build: Record<string, unknown>
  #rowOf: Int32Array | undefined

  private constructor(parts: IvfParts) {
    this.metric = parts.store.metric
    this.dim = parts.dim
    this.size = parts.store.n
    this.nlist = parts.nlist
    this.clusterDims = parts.clusterDims
    this.storeDims = parts.store.dim
    this.nprobe = parts.nprobe
    this.scanDims = parts.scanDims
    this.centroids = parts.centroids
    this.listOffsets = parts.listOffsets
    this.ids = parts.ids
    this.store = parts.store
    this.frontier = parts.frontier
    this.#build = parts.build
  }

  /** Trains the coarse quantiser on `d_c` dims, assigns every row and lays the lists out contiguously. */
  static build(data: Float32Array, n: number, dim: number, options: IvfOptions): IvfIndex {
    const metric = checkMetric(options?.metric)
    checkVectors('data', data, n, dim)
    if (n < 1) throw new AnnError('INVALID_ARGUMENT', 'an IVF index needs at least one vector')
    const nlist = checkInt('nlist', options.nlist, 1, n)
    const clusterDims = checkInt('clusterDims', options.clusterDims ?? dim, 1, dim)
    const storeDims = checkInt('storeDims', options.storeDims ?? dim, 1, dim)
    const scanDims = checkInt('scanDims', options.scanDims ?? storeDims, 1, storeDims)
    const nprobe = checkInt('nprobe', options.nprobe ?? 1, 1, nlist)
    const prefixes = normalizePrefixes(options.prefixDims, storeDims)
    const seed = options.seed ?? 1234
    const iterations = options.iterations ?? 25
    const onProgress = options.onProgress

    const km = trainKmeans(data, n, clusterDims, {
      k: nlist,
      iterations,
      seed,
      init: options.init ?? 'random',
      maxPointsPerCentroid: options.maxPointsPerCentroid ?? 256,
      metric,
      stride: dim,
      onProgress: onProgress && ((i, t) => onProgress('kmeans', i, t)),
    })
    const centroids = centroidStore(km.centroids, nlist, clusterDims, metric)

    const assign = new Int32Array(n)
    for (let start = 0; start < n; start += ASSIGN_CHUNK) {
      const count = Math.min(ASSIGN_CHUNK, n - start)
      assignNearest(data.subarray(start * dim), count, clusterDims, km.centroids, nlist, {
        metric,
        stride: dim,
        out: assign.subarray(start, start + count),
      })
      onProgress?.('assign', start + count, n)
    }
    // Counting sort by list, stable in row order.
    const listOffsets = new Int32Array(nlist + 1)
    for (let i = 0; i < n; i++) listOffsets[assign[i]! + 1]!++
    for (let l = 0; l < nlist; l++) listOffsets[l + 1]! += listOffsets[l]!
    const fill = listOffsets.slice(0, nlist)
    const ids = new Int32Array(n)
    for (let i = 0; i < n; i++) ids[fill[assign[i]!]!++] = i
    const store = buildRowStore(data, n, dim, storeDims, metric, prefixes, ids)
    return new IvfIndex({
      dim,
      nlist,
      clusterDims,
      nprobe,
      scanDims,
      centroids,
      listOffsets,
      ids,
      store,
      frontier: undefined,
      build: {
        seed,
        iterations,
        init: options.init ?? 'random',
        maxPointsPerCentroid: options.maxPointsPerCentroid ?? 256,
      },
    })
  }

  /** Reads an IVF index from a validated artifact (see `loadIndex`), checking its structure. */
  static fromArtifact(artifact: Artifact): IvfIndex {
    const p = artifact.params
    const metric = parseParam(() => checkMetric(p.metric))
    const dim = parseParam(() => checkInt('dim', p.dim, 1, MAX_INDEX_DIM))
    const size = parseParam(() => checkInt('size', p.size, 1))
    const nlist = parseParam(() => checkInt('nlist', p.nlist, 1, size))
    const clusterDims = parseParam(() => checkInt('clusterDims', p.clusterDims, 1, dim))
    const storeDims = parseParam(() => checkInt('storeDims', p.storeDims, 1, dim))
    const scanDims = parseParam(() => checkInt('scanDims', p.scanDims, 1, storeDims))
    const nprobe = parseParam(() => checkInt('nprobe', p.nprobe, 1, nlist))
    const build = typeof p.build === 'object' && p.build !== null ? (p.build as Record<string, unknown>) : {}
    const rawCentroids = requireSection(artifact, 'centroids', 'f32', nlist * clusterDims)
    parseParam(() => checkFinite('centroids', rawCentroids, clusterDims))
    const listOffsets = requireSection(artifact, 'list_offsets', 'i32', nlist + 1)
    if (listOffsets[0] !== 0 || listOffsets[nlist] !== size)
      throw new AnnError('CORRUPT', 'list offsets do not span the rows')
    for (let l = 0; l < nlist; l++) {
      if (listOffsets[l]! > listOffsets[l + 1]!)
        throw new AnnError('CORRUPT', `list offsets decrease at list ${l}`)
    }
    const ids = requireSection(artifact, 'ids', 'i32', size)
    const seen = new Uint8Array(size)
    for (let i = 0; i < size; i++) {
      const id = ids[i]!
      if (id < 0 || id >= size || seen[id])
        throw new AnnError('CORRUPT', `row ids are not a permutation (row ${i})`)
      seen[id] = 1
    }
    const store = readStore(artifact, metric, size, storeDims)
    return new IvfIndex({
      dim,
      nlist,
      clusterDims,
      nprobe,
      scanDims,
      centroids: centroidStore(rawCentroids, nlist, clusterDims, metric),
      listOffsets,
      ids,
      store,
      frontier: parseFrontier(p.frontier, { dims: storeDims, clusterDims, nlist }),
      build,
    })
  }

  /** Number of vectors in each list. */
  listSizes(): Int32Array {
    const sizes = new Int32Array(this.nlist)
    for (let l = 0; l < this.nlist; l++) sizes[l] = this.listOffsets[l + 1]! - this.listOffsets[l]!
    return sizes
  }

  search(query: Float32Array, k: number, params: SearchParams = {}): SearchResult {
    checkK(k)
    checkQuery(query, this.dim)
    return this.#search(query, k, this.#settings(params))
  }

  searchBatch(queries: Float32Array, k: number, params: SearchParams = {}): SearchResult[] {
    checkK(k)
    const count = checkQueries(queries, this.dim)
    const settings = this.#settings(params)
    const out: SearchResult[] = []
    for (let i = 0; i < count; i++)
      out.push(this.#search(queries.subarray(i * this.dim, (i + 1) * this.dim), k, settings))
    return out
  }

  byteSize(): number {
    return (
      storeBytes(this.store) +
      storeBytes(this.centroids) +
      this.listOffsets.byteLength +
      this.ids.byteLength +
      (this.#rowOf?.byteLength ?? 0)
    )
  }

  serialize(): Uint8Array {
    const writer = new ArtifactWriter('ivf', {
      metric: this.metric,
      dim: this.dim,
      size: this.size,
      nlist: this.nlist,
      clusterDims: this.clusterDims,
      storeDims: this.storeDims,
      scanDims: this.scanDims,
      nprobe: this.nprobe,
      ...storeParams(this.store),
      build: this.#build,
      frontier: this.frontier,
    })
    writer.addSection('centroids', this.centroids.blocks[0]!).addSection('list_offsets', this.listOffsets)
    writer.addSection('ids', this.ids)
    writeStore(writer, this.store)
    return writer.finish()
  }

  /**
   * nprobe 1, 2, 4, ... (up to 256 or nlist) × every normed scan prefix of 16+ dims × probe
   * prefixes (the built `d_c` and up to two shorter normed prefixes of 16+ dims), plus a
   * re-rank of 4k on all stored dims after prefix scans.
   */
  tuningGrid(k: number): SearchSettings[] {
    const nprobes: number[] = []
    for (let np = 1; np < Math.min(this.nlist, 256); np *= 2) nprobes.push(np)
    nprobes.push(Math.min(this.nlist, 256))
    const scans = prefixList(this.store).filter((p) => p >= 16 || p === this.storeDims)
    const shorter = prefixList(this.store).filter((p) => p >= 16 && p < this.clusterDims)
    const probes = [...shorter.slice(-2), this.clusterDims]
    const grid: SearchSettings[] = []
    for (const clusterDims of probes) {
      for (const nprobe of nprobes) {
        for (const scanDims of scans) {
          grid.push({ nprobe, clusterDims, scanDims })
          if (scanDims < this.storeDims) grid.push({ nprobe, clusterDims, scanDims, rerank: 4 * k })
        }
      }
    }
    return grid
  }

  #settings(params: SearchParams): SearchSettings {
    if (params === null || typeof params !== 'object')
      throw new AnnError('INVALID_ARGUMENT', 'params must be an object')
    const resolved = resolveFromFrontier(this.frontier, params) ?? params
    const settings: SearchSettings = {
      nprobe: checkInt('nprobe', resolved.nprobe ?? this.nprobe, 1, this.nlist),
      clusterDims: checkInt('clusterDims', resolved.clusterDims ?? this.clusterDims, 1, this.clusterDims),
      scanDims: checkInt('scanDims', resolved.scanDims ?? this.scanDims, 1, this.storeDims),
    }
    if (resolved.rerank !== undefined) settings.rerank = checkInt('rerank', resolved.rerank, 1)
    return settings
  }

  #search(query: Float32Array, k: number, settings: SearchSettings): SearchResult {
    const metric = this.metric
    const dc = settings.clusterDims!
    const nprobe = settings.nprobe!
    const ds = settings.scanDims
    const full = this.storeDims
    const rerank = settings.rerank !== undefined && ds < full ? Math.max(settings.rerank, k) : 0
    const q = new Float32Array(Math.max(full, dc))

    // Probe: the nprobe best centroids on the first dc dims.
    prepareQuery(query, 0, dc, metric, q)
    let flops = 2 * dc
    const probe = new TopK(nprobe)
    flops += scanRange(this.centroids, 0, this.nlist, null, q, dc, probe)
    const lists = new Int32Array(nprobe)
    const listKeys = new Float64Array(nprobe)
    const probed = probe.drain(lists, listKeys)

    // Scan the probed lists on the first ds dims.
    let qq = prepareQuery(query, 0, ds, metric, q)
    flops += 2 * ds
    const heap = new TopK(Math.min(rerank || k, this.size))
    let candidates = 0
    const offsets = this.listOffsets
    for (let i = 0; i < probed; i++) {
      const l = lists[i]!
      const start = offsets[l]!
      const end = offsets[l + 1]!
      candidates += end - start
      flops += scanRange(this.store, start, end, this.ids, q, ds, heap)
    }
    let m = heap.size
    let ids = new Int32Array(m)
    let keys = new Float64Array(m)
    heap.drain(ids, keys)
    if (rerank) {
      const rowOf = this.#rowIndex()
      const rows = new Int32Array(m)
      for (let i = 0; i < m; i++) rows[i] = rowOf[ids[i]!]!
      qq = prepareQuery(query, 0, full, metric, q)
      flops += 2 * full
      const second = new TopK(Math.min(k, m))
      flops += scoreRows(this.store, rows, m, this.ids, q, full, second)
      candidates += m
      m = second.size
      ids = new Int32Array(m)
      keys = new Float64Array(m)
      second.drain(ids, keys)
    }
    const scores = new Float32Array(m)
    for (let i = 0; i < m; i++) scores[i] = keyToScore(metric, keys[i]!, qq)
    return {
      ids,
      scores,
      cost: { dims: Math.max(dc, rerank ? full : ds), candidates, flops },
      settings,
    }
  }

  /** Store row of each id (the inverse of `ids`), built on the first re-rank. */
  #rowIndex(): Int32Array {
    if (!this.#rowOf) {
      const rowOf = new Int32Array(this.size)
      for (let r = 0; r < this.size; r++) rowOf[this.ids[r]!] = r
      this.#rowOf = rowOf
    }
    return this.#rowOf
  }
}

/** Centroids as a one-block row store whose norm columns cover every normed prefix up to `d_c`. */
function centroidStore(
  centroids: Float32Array,
  nlist: number,
  clusterDims: number,
  metric: Metric,
): RowStore {
  return singleBlockStore(centroids, nlist, clusterDims, metric)
}
