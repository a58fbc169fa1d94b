/**
 * The public contract of @frugal/ann that other packages (retrieval, workers, benchmarks)
 * build on. Change it only together with its users.
 */

/** `cosine` and `ip` rank by similarity (higher first); `l2` by squared distance (lower first). */
export type Metric = 'cosine' | 'ip' | 'l2'

export type IndexKind = 'flat' | 'ivf' | 'ivf-i8' | 'ivfpq' | 'binary' | 'graph'

/** Per-query settings; anything omitted falls back to the index's defaults. */
export interface SearchParams {
  /** IVF: number of inverted lists probed. */
  nprobe?: number
  /** IVF: AdANNS `d_c` used to probe the centroids (at most the `d_c` the index was built with). */
  clusterDims?: number
  /** AdANNS `d_s`: number of leading dims used to score candidates. */
  scanDims?: number
  /** Exact re-rank of the top R candidates (ivfpq, binary; graph: of the `ef` found, default all). */
  rerank?: number
  /** Graph: search width (nodes kept while traversing; larger is slower and more accurate). */
  ef?: number
  /** Pick the most accurate tuned setting whose cost is at most this many FLOPs per query. */
  budget?: number
  /** Pick the cheapest tuned setting whose measured recall reaches this value. */
  targetRecall?: number
}

/** What a search cost: the basis of compute-aware search. */
export interface SearchCost {
  /** Dimensions read per scored candidate (the largest prefix used). */
  dims: number
  /** Candidates scored (vectors or codes). */
  candidates: number
  /** Distance FLOPs spent (probe + scan + re-rank; a multiply-add counts 2). */
  flops: number
}

/** The settings a search actually ran with (after budget/targetRecall resolution). */
export interface SearchSettings {
  nprobe?: number
  clusterDims?: number
  scanDims: number
  rerank?: number
  ef?: number
}

export interface SearchResult {
  /** Row numbers of the base vectors, best first; length <= k. */
  ids: Int32Array
  /** Similarity (`cosine`, `ip`) or squared distance (`l2`), aligned with `ids`. */
  scores: Float32Array
  cost: SearchCost
  settings: SearchSettings
}

/** One Pareto-optimal setting measured by `tune`. */
export interface FrontierPoint {
  settings: SearchSettings
  /** recall@k measured on held-out queries. */
  recall: number
  k: number
  /** Mean FLOPs per query. */
  flops: number
}

/** Every index kind implements this. */
export interface VectorIndex {
  readonly kind: IndexKind
  readonly metric: Metric
  /** Full dimensionality of the stored vectors. */
  readonly dim: number
  /** Number of indexed vectors. */
  readonly size: number
  /** Tuned recall/cost frontier, if `tune` has run. */
  frontier: FrontierPoint[] | undefined
  search(query: Float32Array, k: number, params?: SearchParams): SearchResult
  /** `queries` holds `n * dim` values, row-major. */
  searchBatch(queries: Float32Array, k: number, params?: SearchParams): SearchResult[]
  /** Bytes held by the index structures in memory. */
  byteSize(): number
  /** The versioned, checksummed artifact; `loadIndex` reads it back. */
  serialize(): Uint8Array
  /** The settings `tune` measures when the caller gives no grid. */
  tuningGrid?(k: number): SearchSettings[]
}
