import { AnnError } from './errors.ts'
import { type Artifact, ArtifactWriter } from './format.ts'
import { parseFrontier, resolveFromFrontier } from './frontier.ts'
import {
  buildRowStore,
  keyToScore,
  normalizePrefixes,
  prepareQuery,
  type RowStore,
  readStore,
  scanRange,
  scoreRows,
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
  checkInt,
  checkK,
  checkMetric,
  checkQueries,
  checkQuery,
  checkVectors,
  MAX_INDEX_DIM,
} from './validate.ts'

export interface FlatOptions {
  metric: Metric
  /** Keep only the first `storeDims` dims of each vector (default: all). */
  storeDims?: number
  /** Prefix lengths with precomputed norms (default 8, 16, 32, ... and `storeDims`). */
  prefixDims?: number[]
}

/**
 * Exact search by a full scan. With `scanDims` it is the exact search on a Matryoshka
 * prefix (cosine re-normalised on the prefix); with `rerank` the top R of a prefix scan
 * are re-scored on all stored dims (a two-stage "funnel").
 * @example
 * const index = FlatIndex.build(vectors, n, 768, { metric: 'cosine' })
 * const { ids, scores, cost } = index.search(query, 10)
 */
export class FlatIndex implements VectorIndex {
  readonly kind = 'flat' as const
  readonly metric: Metric
  readonly dim: number
  readonly size: number
  readonly storeDims: number
  frontier: FrontierPoint[] | undefined
  readonly store: RowStore

  private constructor(dim: number, store: RowStore, frontier: FrontierPoint[] | undefined) {
    this.metric = store.metric
    this.dim = dim
    this.size = store.n
    this.storeDims = store.dim
    this.store = store
    this.frontier = frontier
  }

  /** Builds a flat index over `n` rows of `dim` floats (row-major). */
  static build(data: Float32Array, n: number, dim: number, options: FlatOptions): FlatIndex {
    const metric = checkMetric(options?.metric)
    checkVectors('data', data, n, dim)
    const storeDims = checkInt('storeDims', options.storeDims ?? dim, 1, dim)
    const prefixes = normalizePrefixes(options.prefixDims, storeDims)
    return new FlatIndex(dim, buildRowStore(data, n, dim, storeDims, metric, prefixes, null), undefined)
  }

  /** Reads a flat index from a validated artifact (see `loadIndex`). */
  static fromArtifact(artifact: Artifact): FlatIndex {
    const p = artifact.params
    const metric = parseParam(() => checkMetric(p.metric))
    const dim = parseParam(() => checkInt('dim', p.dim, 1, MAX_INDEX_DIM))
    const size = parseParam(() => checkInt('size', p.size, 0))
    const storeDims = parseParam(() => checkInt('storeDims', p.storeDims, 1, dim))
    const store = readStore(artifact, metric, size, storeDims)
    return new FlatIndex(dim, store, parseFrontier(p.frontier, { dims: storeDims }))
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
    return storeBytes(this.store)
  }

  serialize(): Uint8Array {
    const writer = new ArtifactWriter('flat', {
      metric: this.metric,
      dim: this.dim,
      size: this.size,
      storeDims: this.storeDims,
      ...storeParams(this.store),
      frontier: this.frontier,
    })
    writeStore(writer, this.store)
    return writer.finish()
  }

  /** Prefix scans at every normed prefix of 16+ dims, with and without re-ranking 4k on all stored dims. */
  tuningGrid(k: number): SearchSettings[] {
    const grid: SearchSettings[] = []
    for (const p of prefixList(this.store)) {
      if (p < 16 && p !== this.storeDims) continue
      grid.push({ scanDims: p })
      if (p < this.storeDims) grid.push({ scanDims: p, rerank: 4 * k })
    }
    return grid
  }

  #settings(params: SearchParams): SearchSettings {
    if (params === null || typeof params !== 'object')
      throw new AnnError('INVALID_ARGUMENT', 'params must be an object')
    const resolved = resolveFromFrontier(this.frontier, params) ?? params
    if (resolved.nprobe !== undefined)
      throw new AnnError('INVALID_ARGUMENT', 'nprobe does not apply to a flat index')
    if (resolved.clusterDims !== undefined) {
      throw new AnnError('INVALID_ARGUMENT', 'clusterDims does not apply to a flat index')
    }
    const settings: SearchSettings = {
      scanDims: checkInt('scanDims', resolved.scanDims ?? this.storeDims, 1, this.storeDims),
    }
    if (resolved.rerank !== undefined) settings.rerank = checkInt('rerank', resolved.rerank, 1)
    return settings
  }

  #search(query: Float32Array, k: number, settings: SearchSettings): SearchResult {
    const store = this.store
    const ds = settings.scanDims
    const full = this.storeDims
    const rerank = settings.rerank !== undefined && ds < full ? Math.max(settings.rerank, k) : 0
    const q = new Float32Array(full)
    let qq = prepareQuery(query, 0, ds, this.metric, q)
    let flops = 2 * ds
    const heap = new TopK(Math.min(rerank || k, this.size))
    flops += scanRange(store, 0, this.size, null, q, ds, heap)
    let candidates = this.size
    let m = heap.size
    let ids = new Int32Array(m)
    let keys = new Float64Array(m)
    heap.drain(ids, keys)
    if (rerank) {
      qq = prepareQuery(query, 0, full, this.metric, q)
      flops += 2 * full
      const second = new TopK(Math.min(k, m))
      flops += scoreRows(store, ids, m, null, q, full, second)
      candidates += m
      m = second.size
      ids = new Int32Array(m)
      keys = new Float64Array(m)
      second.drain(ids, keys)
    }
    const scores = new Float32Array(m)
    for (let i = 0; i < m; i++) scores[i] = keyToScore(this.metric, keys[i]!, qq)
    return {
      ids,
      scores,
      cost: { dims: rerank ? full : ds, candidates, flops },
      settings,
    }
  }
}

/** The prefix lengths a store can scan cheaply (all of them up to its width for `ip`). */
export function prefixList(store: RowStore): number[] {
  if (store.prefixes.length) return Array.from(store.prefixes)
  const out: number[] = []
  for (let p = 8; p < store.dim; p *= 2) out.push(p)
  out.push(store.dim)
  return out
}

/** Runs a parameter check on a stored header, turning its failure into CORRUPT. */
export function parseParam<T>(read: () => T): T {
  try {
    return read()
  } catch (cause) {
    throw new AnnError('CORRUPT', `stored parameters are invalid: ${(cause as Error).message}`, { cause })
  }
}
