import {
  AnnError,
  loadIndex,
  MAX_MAGNITUDE,
  type SearchParams,
  sha256Hex,
  type VectorIndex,
} from '@frugal/ann'
import { LsaEmbedder } from '@frugal/models/embedders'
import type MiniSearch from 'minisearch'
import { type DocumentStore, decodeDocuments, snippet } from './documents.ts'
import { RetrievalError } from './errors.ts'
import { fuse, resolveFusion } from './fusion.ts'
import { lexicalSearch, loadLexicalIndex } from './lexical.ts'
import { verifyManifest } from './manifest.ts'
import { probeIndexSet } from './probe.ts'
import {
  type Hit,
  INDEX_SET_FILES,
  type IndexSetManifest,
  type IndexSetStats,
  type RetrievalIndex,
  type SearchMode,
  type SearchRequest,
  type SearchResponse,
} from './types.ts'

/** Longest text query accepted, in characters. */
export const MAX_QUERY_CHARS = 4096
/** Largest `k`. */
export const MAX_K = 1000
/** Largest magnitude of a query vector value (`MAX_MAGNITUDE` of @frugal/ann: 2^32); beyond it scores could overflow. */
export const MAX_VECTOR_VALUE = MAX_MAGNITUDE

export interface LoadOptions {
  /**
   * Embeds text queries when the set has no embedder that runs here (a transformers model):
   * must return a vector of `dense.dim` values.
   */
  embedQuery?: (text: string) => Promise<Float32Array>
  /**
   * The compiled `@frugal/ann/kernels.wasm`: dense indexes that have WASM SIMD kernels
   * (graph, ivf-i8, ivfpq, binary) search with them. In workerd it is the default export of
   * the module `@frugal/ann/kernels.wasm`; in Node use `loadWasmKernels()`.
   */
  kernels?: WebAssembly.Module
}

/**
 * Loads an index set from its files (e.g. fetched from R2). Every file is checked — the
 * manifest's own checksum, presence, size, SHA-256, then its content — and the loaded set must answer a probe search in every
 * mode (see `probeIndexSet`) before anything is returned, so a set is either fully usable or
 * refused with a `RetrievalError` naming the file.
 * @example
 * const index = await loadIndexSet({ 'manifest.json': m, 'dense.ann': d, 'lexical.json': l, 'documents.json': s, 'embedder.bin': e })
 * const { hits } = await index.search({ query: 'railroads and canals', k: 10, mode: 'hybrid' })
 */
export async function loadIndexSet(
  files: Readonly<Record<string, ArrayBuffer | Uint8Array>>,
  options: LoadOptions = {},
): Promise<RetrievalIndex> {
  const bytesOf = (name: string): Uint8Array => {
    const value = files[name]
    if (value === undefined)
      throw new RetrievalError('MISSING_FILE', `${name}: missing from the index set`, { file: name })
    return value instanceof Uint8Array ? value : new Uint8Array(value)
  }
  const manifest = await verifyManifest(bytesOf(INDEX_SET_FILES.manifest))
  for (const [name, entry] of Object.entries(manifest.files)) {
    const bytes = bytesOf(name)
    if (bytes.length !== entry.bytes) {
      throw new RetrievalError(
        'SIZE_MISMATCH',
        `${name}: ${bytes.length} bytes, manifest says ${entry.bytes}`,
        {
          file: name,
        },
      )
    }
    if ((await sha256Hex(bytes)) !== entry.sha256) {
      throw new RetrievalError('CHECKSUM_MISMATCH', `${name}: SHA-256 differs from the manifest`, {
        file: name,
      })
    }
  }
  const dense = manifest.dense
  const ann = openPart(dense.file, () => loadIndex(bytesOf(dense.file)))
  if (
    ann.dim !== dense.dim ||
    ann.size !== dense.size ||
    ann.kind !== dense.kind ||
    ann.metric !== dense.metric
  ) {
    throw new RetrievalError(
      'CORRUPT',
      `${dense.file}: index (${ann.kind}, ${ann.size}×${ann.dim}) disagrees with the manifest`,
      {
        file: dense.file,
      },
    )
  }
  if (ann.frontier === undefined && dense.frontier !== undefined) ann.frontier = dense.frontier
  if (options.kernels) {
    const kernels = options.kernels
    const withKernels = ann as VectorIndex & { useWasm?: (module: WebAssembly.Module) => unknown }
    if (typeof withKernels.useWasm === 'function') openPart(dense.file, () => withKernels.useWasm!(kernels))
  }
  let embedder: LsaEmbedder | undefined
  if (manifest.embedder.kind === 'lsa') {
    const file = manifest.embedder.file!
    embedder = openPart(file, () => LsaEmbedder.load(bytesOf(file)))
    if (embedder.dims !== dense.dim) {
      throw new RetrievalError('CORRUPT', `${file}: embedder has ${embedder.dims} dims, index ${dense.dim}`, {
        file,
      })
    }
  }
  const lexicalFile = manifest.lexical.file
  const lexical = openPart(lexicalFile, () =>
    loadLexicalIndex(bytesOf(lexicalFile), manifest.documents.count),
  )
  if (lexical.documentCount !== manifest.documents.count) {
    throw new RetrievalError(
      'CORRUPT',
      `${lexicalFile}: ${lexical.documentCount} documents, manifest says ${manifest.documents.count}`,
      {
        file: lexicalFile,
      },
    )
  }
  const documents = decodeDocuments(
    bytesOf(manifest.documents.file),
    manifest.documents.count,
    manifest.documents.file,
  )
  if (ann.size !== manifest.documents.count) {
    throw new RetrievalError(
      'CORRUPT',
      `${dense.file}: ${ann.size} vectors for ${manifest.documents.count} documents`,
      {
        file: dense.file,
      },
    )
  }
  const set = new IndexSet(manifest, ann, embedder, lexical, documents, options.embedQuery)
  await probeIndexSet(set, documentTexts(documents))
  return set
}

function* documentTexts(docs: DocumentStore): Iterable<string> {
  for (let i = 0; i < docs.texts.length; i++) yield `${docs.titles[i]} ${docs.texts[i]}`
}

function openPart<T>(file: string, open: () => T): T {
  try {
    return open()
  } catch (cause) {
    if (cause instanceof RetrievalError) throw cause
    const code =
      cause instanceof AnnError && cause.code === 'UNSUPPORTED_VERSION' ? 'UNSUPPORTED_VERSION' : 'CORRUPT'
    throw new RetrievalError(code, `${file}: ${(cause as Error).message}`, { file, cause })
  }
}

const MODES: readonly SearchMode[] = ['dense', 'lexical', 'hybrid']

function invalid(field: string, message: string): RetrievalError {
  return new RetrievalError('INVALID_QUERY', `${field}: ${message}`, { field })
}

function optionalInt(
  value: unknown,
  field: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `must be an integer in ${min}..${max}`)
  }
  return value
}

class IndexSet implements RetrievalIndex {
  readonly manifest: IndexSetManifest
  readonly #ann: VectorIndex
  readonly #embedder: LsaEmbedder | undefined
  readonly #lexical: MiniSearch
  readonly #docs: DocumentStore
  readonly #embedQuery: ((text: string) => Promise<Float32Array>) | undefined

  constructor(
    manifest: IndexSetManifest,
    ann: VectorIndex,
    embedder: LsaEmbedder | undefined,
    lexical: MiniSearch,
    docs: DocumentStore,
    embedQuery: ((text: string) => Promise<Float32Array>) | undefined,
  ) {
    this.manifest = manifest
    this.#ann = ann
    this.#embedder = embedder
    this.#lexical = lexical
    this.#docs = docs
    this.#embedQuery = embedQuery
  }

  stats(): IndexSetStats {
    const m = this.manifest
    return {
      name: m.name,
      documents: m.documents.count,
      dims: m.dense.dim,
      denseKind: m.dense.kind,
      metric: m.dense.metric,
      modes: [...MODES],
      embedder: m.embedder,
      frontier: this.#ann.frontier,
      fileBytes: m.stats.bytes,
      annBytes: this.#ann.byteSize(),
      createdAt: m.createdAt,
      version: m.version,
    }
  }

  async searchBatch(requests: SearchRequest[]): Promise<SearchResponse[]> {
    const out: SearchResponse[] = []
    for (const request of requests) out.push(await this.search(request))
    return out
  }

  async search(request: SearchRequest): Promise<SearchResponse> {
    const started = performance.now()
    if (typeof request !== 'object' || request === null) throw invalid('request', 'must be an object')
    const k = optionalInt(request.k, 'k', 1, MAX_K)
    if (k === undefined) throw invalid('k', 'is required')
    const query = request.query
    if (query !== undefined) {
      if (typeof query !== 'string') throw invalid('query', 'must be a string')
      if (query.trim() === '') throw invalid('query', 'must not be empty')
      if (query.length > MAX_QUERY_CHARS)
        throw invalid('query', `must be at most ${MAX_QUERY_CHARS} characters`)
    }
    let vector: Float32Array | undefined
    if (request.vector !== undefined) vector = this.#checkVector(request.vector)
    const mode = request.mode ?? (query !== undefined ? 'hybrid' : 'dense')
    if (!MODES.includes(mode)) throw invalid('mode', `must be one of ${MODES.join(', ')}`)
    if (query === undefined && (mode !== 'dense' || vector === undefined)) {
      throw invalid(
        'query',
        mode === 'dense' ? 'a query or a vector is required' : `is required for ${mode} search`,
      )
    }
    const params: SearchParams = {
      scanDims: optionalInt(request.scanDims, 'scanDims', 1, this.manifest.dense.dim),
      nprobe: optionalInt(request.nprobe, 'nprobe', 1),
      rerank: optionalInt(request.rerank, 'rerank', 1),
    }
    if (request.budget !== undefined) {
      if (typeof request.budget !== 'number' || !Number.isFinite(request.budget) || request.budget <= 0) {
        throw invalid('budget', 'must be a positive finite number')
      }
      params.budget = request.budget
    }
    if (request.targetRecall !== undefined) {
      const t = request.targetRecall
      if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > 1)
        throw invalid('targetRecall', 'must be in (0, 1]')
      params.targetRecall = t
    }
    const fusion = resolveFusion(request.fusion, this.manifest.fusion, k)
    const snippetChars = optionalInt(request.snippetChars, 'snippetChars', 0, 10_000) ?? 200
    const depth = mode === 'hybrid' ? fusion.depth : k

    let rows: Int32Array = new Int32Array(0)
    let scores: Float32Array = new Float32Array(0)
    let embedMs = 0
    let lexicalCandidates = 0
    const cost = { dims: 0, candidates: 0, flops: 0 }
    let settings: SearchResponse['settings'] = { mode, k }
    let denseSide: { rows: Int32Array; scores: Float32Array } | undefined
    if (mode !== 'lexical') {
      if (vector === undefined) {
        const t0 = performance.now()
        vector = await this.#embed(query!)
        embedMs = performance.now() - t0
      }
      // A zero vector (e.g. a query of stopwords only) has no direction, so its neighbours
      // mean nothing; it is still searched so that its settings are checked and resolved
      // exactly like any other query's, and its hits are dropped.
      const result = this.#annSearch(vector, depth, params)
      Object.assign(cost, result.cost)
      settings = { ...result.settings, ...settings }
      if (vector.some((x) => x !== 0)) {
        denseSide = { rows: result.ids, scores: result.scores }
        rows = result.ids
        scores = result.scores
      }
    }
    if (mode !== 'dense') {
      const lexical = lexicalSearch(this.#lexical, query!, depth)
      lexicalCandidates = lexical.candidates
      rows = lexical.rows
      scores = lexical.scores
      if (mode === 'hybrid') {
        const fused = fuse(
          denseSide ?? { rows: new Int32Array(0), scores: new Float32Array(0) },
          lexical,
          fusion,
          k,
        )
        rows = fused.rows
        scores = fused.scores
        settings = { ...settings, fusion }
      }
    }
    const hits: Hit[] = []
    const n = Math.min(k, rows.length)
    for (let i = 0; i < n; i++) {
      const row = rows[i]!
      hits.push({
        id: this.#docs.ids[row]!,
        score: scores[i]!,
        title: this.#docs.titles[row]!,
        snippet: snippet(this.#docs.texts[row]!, query, snippetChars),
      })
    }
    return {
      hits,
      cost: { ...cost, lexicalCandidates, embedMs, totalMs: performance.now() - started },
      settings,
    }
  }

  #checkVector(value: unknown): Float32Array {
    if (!(value instanceof Float32Array) && !Array.isArray(value)) {
      throw invalid('vector', 'must be an array of numbers')
    }
    if (value.length !== this.manifest.dense.dim) {
      throw new RetrievalError(
        'DIMENSION_MISMATCH',
        `vector: has ${value.length} values, the index has ${this.manifest.dense.dim} dims`,
        { field: 'vector' },
      )
    }
    const out = Float32Array.from(value as ArrayLike<number>)
    for (let i = 0; i < out.length; i++) {
      if (typeof (value as ArrayLike<unknown>)[i] !== 'number' || !Number.isFinite(out[i]!)) {
        throw invalid('vector', `value ${i} is not a finite number`)
      }
    }
    return out
  }

  async #embed(query: string): Promise<Float32Array> {
    if (this.#embedder !== undefined) return this.#embedder.embed(query)
    if (this.#embedQuery !== undefined) return this.#checkVector(await this.#embedQuery(query))
    throw new RetrievalError(
      'NO_EMBEDDER',
      `query: this set's ${this.manifest.embedder.kind} embedder does not run here; send a vector`,
      { field: 'query' },
    )
  }

  #annSearch(vector: Float32Array, depth: number, params: SearchParams) {
    try {
      return this.#ann.search(vector, Math.min(depth, this.#ann.size), params)
    } catch (cause) {
      if (!(cause instanceof AnnError)) throw cause
      const field =
        cause.code === 'NO_FRONTIER' || cause.code === 'UNREACHABLE_TARGET'
          ? params.targetRecall !== undefined
            ? 'targetRecall'
            : 'budget'
          : (['scanDims', 'nprobe', 'rerank'].find((f) => cause.message.includes(f)) ?? 'vector')
      throw new RetrievalError('INVALID_QUERY', `${field}: ${cause.message}`, { field, cause })
    }
  }
}
