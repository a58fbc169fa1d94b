/**
 * The public contract of @frugal/retrieval: the on-disk/R2 layout of an index set and the
 * search API that the edge worker, the CLI and the benchmarks use. Change it only together
 * with its users (see the package README).
 */
import type { FrontierPoint, IndexKind, Metric, SearchCost, SearchSettings } from '@frugal/ann'

/** `dense` ranks by the ANN index, `lexical` by BM25, `hybrid` fuses both by reciprocal rank. */
export type SearchMode = 'dense' | 'lexical' | 'hybrid'

/** Version of the index-set layout (`manifest.json` `version`); bumped on breaking changes. */
export const INDEX_SET_VERSION = 2

/** `manifest.json` `format` value. */
export const INDEX_SET_FORMAT = 'frugal-index-set'

/** File names of an index set; every file except the manifest is listed in `manifest.files`. */
export const INDEX_SET_FILES = {
  manifest: 'manifest.json',
  embedder: 'embedder.bin',
  dense: 'dense.ann',
  lexical: 'lexical.json',
  documents: 'documents.json',
} as const

/** Size and SHA-256 (lowercase hex) of one file of the set. */
export interface FileEntry {
  bytes: number
  sha256: string
}

/** How text queries become vectors. */
export interface EmbedderInfo {
  /** `lsa`: the fitted embedder, stored in `embedder.bin`, runs anywhere. `transformers`: Node only. */
  kind: 'lsa' | 'transformers'
  /** File of the embedder artifact inside the set (`lsa` only). */
  file?: string
  /** Output dims (= `dense.dim`). */
  dims: number
  /** Model name or directory base name (`transformers`). */
  model?: string
  /** Vocabulary size (`lsa`). */
  vocabulary?: number
}

/** The ANN index of the set. */
export interface DenseInfo {
  file: string
  kind: IndexKind
  metric: Metric
  dim: number
  size: number
  /** Tuned recall/FLOPs frontier (what `budget` / `targetRecall` resolve against), if tuned. */
  frontier?: FrontierPoint[]
}

/** The BM25 index of the set. */
export interface LexicalInfo {
  file: string
  engine: 'minisearch'
  engineVersion: string
  /** BM25 parameters the index is searched with. */
  bm25: { k1: number; b: number }
  /** Analyzer: lowercase, split on non-letters/digits, English stopwords, Porter stemming. */
  analyzer: string
}

/** The document store: row `i` of the ANN index is document `i`. */
export interface DocumentsInfo {
  file: string
  count: number
}

/** `manifest.json`: versions, checksums and stats of an index set. */
export interface IndexSetManifest {
  format: typeof INDEX_SET_FORMAT
  version: number
  /** Human-readable set name (e.g. `sotu`, `cranfield`). */
  name: string
  /** ISO 8601 time of the build. */
  createdAt: string
  /** Package and version that wrote the set, e.g. `@frugal/retrieval@0.1.0`. */
  generator: string
  corpus: { source: string; documents: number }
  embedder: EmbedderInfo
  dense: DenseInfo
  lexical: LexicalInfo
  documents: DocumentsInfo
  /** Calibrated hybrid fusion; absent in sets built without calibration (they fuse by equal-weight RRF). */
  fusion?: IndexSetFusion
  /** Every file of the set except `manifest.json`. */
  files: Record<string, FileEntry>
  stats: {
    documents: number
    /** Mean analysed tokens per document. */
    avgTokens: number
    /** Distinct analysed terms. */
    terms: number
    /** Sum of `files[*].bytes`. */
    bytes: number
    buildSeconds: number
  }
  /**
   * SHA-256 (lowercase hex) of the manifest itself: of `JSON.stringify` of the parsed manifest
   * without this member (keys in file order, no whitespace), so that no byte of the set, the
   * manifest included, is unchecked. `encodeManifest` writes it; `loadIndexSet` checks it.
   */
  sha256: string
}

/**
 * How `hybrid` merges the dense and the lexical ranking. `rrf`: reciprocal-rank fusion,
 * `score(d) = Σ w_m / (k + rank_m(d))`, rank 1-based. `convex`: a convex combination of the
 * two lists' min-max normalised scores, `Σ w_m · norm_m(d) / Σ w_m`.
 */
export type FusionMethod = 'rrf' | 'convex'

/**
 * Fusion settings of one hybrid search. Fields left out come from the set's calibrated
 * fusion (`manifest.fusion`), or for a set without one from equal-weight RRF (k = 60).
 */
export interface FusionOptions {
  /** Default: the set's calibrated method, else `rrf`. */
  method?: FusionMethod
  /** RRF constant (`rrf` only); default 60. */
  k?: number
  /** Weight of the dense ranking (>= 0); default the calibrated weight, else 1. */
  denseWeight?: number
  /** Weight of the lexical ranking (>= 0); default the calibrated weight, else 1. */
  lexicalWeight?: number
  /** Candidates taken from each ranking before fusion; default max(100, k). */
  depth?: number
}

/**
 * `manifest.fusion`: the hybrid fusion fitted at build time on pseudo-queries drawn from the
 * set's own documents (no relevance labels), and what it was fitted on.
 */
export interface IndexSetFusion {
  method: FusionMethod
  /** RRF constant (used by `rrf`). */
  k: number
  denseWeight: number
  lexicalWeight: number
  calibration: FusionCalibrationInfo
}

/** How a set's fusion was fitted: the pseudo-queries and the nDCG@10 each side reached on them. */
export interface FusionCalibrationInfo {
  /** Pseudo-query generator id (bumped when the generator changes). */
  generator: string
  /** Pseudo-queries the grid was scored on. */
  queries: number
  seed: number
  /** Candidates per side, as in search. */
  depth: number
  /** Mean nDCG@10 of the source document on the pseudo-queries. */
  ndcg: { dense: number; lexical: number; rrf: number; fused: number }
}

/** One search request. Exactly one of `query` / `vector` for `dense`; `query` for `lexical`/`hybrid`. */
export interface SearchRequest {
  /** Text query (embedded with the set's embedder for dense; analysed for BM25). */
  query?: string
  /** Query vector of length `dense.dim` (dense mode only, or hybrid together with `query`). */
  vector?: Float32Array | readonly number[]
  /** Number of hits, 1..1000. */
  k: number
  /** Default `hybrid` when a text query is given, `dense` for a vector. */
  mode?: SearchMode
  /** AdANNS scan dims `d_s` (a prefix of the embedding). */
  scanDims?: number
  /** IVF lists probed. */
  nprobe?: number
  /** Exact re-rank depth (ivfpq, binary). */
  rerank?: number
  /** FLOPs budget per query; resolved against the tuned frontier. */
  budget?: number
  /** Recall target; resolved against the tuned frontier. */
  targetRecall?: number
  fusion?: FusionOptions
  /** Snippet length in characters; default 200, 0 for none. */
  snippetChars?: number
}

export interface Hit {
  /** Document id from the corpus (`_id` in BEIR). */
  id: string
  /** Cosine (dense), BM25 (lexical) or RRF score (hybrid); higher is better. */
  score: number
  title: string
  /** A window of the document text around the first query term, or its start. */
  snippet: string
}

/** What a search cost; `dims`/`candidates`/`flops` from the ANN side, plus the lexical side. */
export interface RetrievalCost extends SearchCost {
  /** Documents scored by BM25 (0 for dense). */
  lexicalCandidates: number
  /** Milliseconds spent embedding the query text (0 when a vector was given). */
  embedMs: number
  /** Milliseconds spent in the whole search. */
  totalMs: number
}

/** The settings a search actually ran with (after `budget` / `targetRecall` resolution). */
export interface RetrievalSettings extends Partial<SearchSettings> {
  mode: SearchMode
  k: number
  fusion?: Required<FusionOptions>
}

export interface SearchResponse {
  hits: Hit[]
  cost: RetrievalCost
  settings: RetrievalSettings
}

/** `RetrievalIndex.stats()`: what `GET /v1/indexes/{name}` shows. */
export interface IndexSetStats {
  name: string
  documents: number
  dims: number
  denseKind: IndexKind
  metric: Metric
  modes: SearchMode[]
  embedder: EmbedderInfo
  frontier: FrontierPoint[] | undefined
  /** Bytes of the files of the set. */
  fileBytes: number
  /** Bytes held in memory by the loaded ANN index. */
  annBytes: number
  createdAt: string
  version: number
}

/** A loaded index set. */
export interface RetrievalIndex {
  readonly manifest: IndexSetManifest
  search(request: SearchRequest): Promise<SearchResponse>
  searchBatch(requests: SearchRequest[]): Promise<SearchResponse[]>
  stats(): IndexSetStats
}
