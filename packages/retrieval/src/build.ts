import {
  buildBinary,
  buildIvfPq,
  FlatIndex,
  GraphIndex,
  IvfIndex,
  type Metric,
  sha256Hex,
  tune,
  type VectorIndex,
} from '@frugal/ann'
import { ANALYZER_ID, LsaEmbedder, type LsaFitOptions } from '@frugal/models/embedders'
import { type CalibrationEmbedder, type CalibrationOptions, calibrateFusion } from './calibrate.ts'
import { encodeDocuments } from './documents.ts'
import { RetrievalError } from './errors.ts'
import { BM25, buildLexicalIndex, MINISEARCH_VERSION } from './lexical.ts'
import { encodeManifest } from './manifest.ts'
import {
  type EmbedderInfo,
  INDEX_SET_FILES,
  INDEX_SET_FORMAT,
  INDEX_SET_VERSION,
  type IndexSetManifest,
} from './types.ts'

/** Package and version written into manifests. */
export const GENERATOR = '@frugal/retrieval@0.1.0'

/** Dense index kinds `buildIndexSet` can build. */
export const BUILD_KINDS = ['flat', 'ivf', 'ivfpq', 'binary', 'graph'] as const
export type BuildKind = (typeof BUILD_KINDS)[number]

/** An embedder that runs outside the index set (e.g. a transformers.js model in Node). */
export interface ExternalEmbedder {
  kind: 'transformers'
  model: string
  dims: number
  /** Embeds texts into one row-major `texts.length × dims` array. */
  embed(texts: readonly string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array>
}

export type BuildStage = 'embedder' | 'embed' | 'dense' | 'tune' | 'lexical' | 'calibrate' | 'write'

export interface BuildOptions {
  /** Set name (default `index`). */
  name?: string
  /** Where the corpus came from, for the manifest (e.g. `default`, a folder name). */
  source?: string
  /** Default: fit an LSA embedder with these options. */
  embedder?: { kind: 'lsa'; fit?: LsaFitOptions } | ExternalEmbedder
  /** Dense index kind; default `ivf` (or `flat` below 2000 documents). */
  kind?: BuildKind
  /** IVF / IVF-PQ lists; default `min(4·√n, n / 39)`. */
  nlist?: number
  /** IVF-PQ bytes per code (sub-quantisers, must divide dims); default the largest of 32, 16, 8, ... that does. */
  pqBytes?: number
  /** AdANNS `d_c` for IVF; default min(64, dims). */
  clusterDims?: number
  /** Measure the recall/FLOPs frontier on pseudo-queries (default true). */
  tune?: boolean
  /**
   * The compiled `@frugal/ann/kernels.wasm`: a `graph` index is built (and tuned) with the WASM
   * SIMD kernels (the same index as without them, faster).
   */
  kernels?: WebAssembly.Module
  metric?: Metric
  /**
   * Fit the hybrid fusion on pseudo-queries drawn from the documents and store it in the
   * manifest (`fusion`); default true. `false` writes no `fusion`, so hybrid search fuses by
   * equal-weight RRF (k = 60). An object sets the pseudo-query count, seed and depth.
   */
  calibrate?: boolean | Omit<CalibrationOptions, 'onProgress'>
  onProgress?: (stage: BuildStage, done: number, total: number) => void
}

/** The files of an index set and its manifest. */
export interface BuiltIndexSet {
  files: Record<string, Uint8Array>
  manifest: IndexSetManifest
}

/**
 * Builds an index set from documents: embedder artifact (LSA by default), ANN index over
 * the document embeddings, BM25 index, document store and the manifest with SHA-256 of
 * every file. Runtime-neutral; the CLI writes the files with `writeIndexSet`.
 * @example
 * const { files } = await buildIndexSet(loadDefaultCorpus(), { name: 'sotu', embedder: { kind: 'lsa', fit: { dims: 256 } } })
 */
export async function buildIndexSet(
  docs: readonly { id: string; title: string; text: string }[],
  options: BuildOptions = {},
): Promise<BuiltIndexSet> {
  const started = performance.now()
  const n = docs.length
  if (n === 0) throw new RetrievalError('INVALID_ARGUMENT', 'cannot build an index set without documents')
  const ids = new Set<string>()
  for (const d of docs) {
    if (ids.has(d.id)) throw new RetrievalError('INVALID_ARGUMENT', `duplicate document id "${d.id}"`)
    ids.add(d.id)
  }
  const progress = options.onProgress ?? (() => {})
  const texts = docs.map((d) => (d.title && !d.text.startsWith(d.title) ? `${d.title}\n${d.text}` : d.text))
  const files: Record<string, Uint8Array> = {}
  const spec = options.embedder ?? { kind: 'lsa' as const }
  let vectors: Float32Array
  let embedderInfo: EmbedderInfo
  if (spec.kind === 'lsa') {
    const lsa = LsaEmbedder.fit(texts, {
      ...spec.fit,
      onProgress: (stage, done, total) =>
        progress('embedder', stage === 'analyze' ? done / total / 2 : 0.5 + done / total / 2, 1),
    })
    files[INDEX_SET_FILES.embedder] = lsa.serialize()
    vectors = lsa.embedBatch(texts)
    progress('embed', n, n)
    embedderInfo = {
      kind: 'lsa',
      file: INDEX_SET_FILES.embedder,
      dims: lsa.dims,
      vocabulary: lsa.terms.length,
    }
  } else {
    vectors = await spec.embed(texts, (done, total) => progress('embed', done, total))
    if (vectors.length !== n * spec.dims) {
      throw new RetrievalError(
        'INVALID_ARGUMENT',
        `embedder returned ${vectors.length} values for ${n}×${spec.dims}`,
      )
    }
    embedderInfo = { kind: 'transformers', dims: spec.dims, model: spec.model }
  }
  const dim = embedderInfo.dims
  const metric = options.metric ?? 'cosine'
  const kind = options.kind ?? (n < 2000 ? 'flat' : 'ivf')
  const nlist = options.nlist ?? Math.max(1, Math.min(Math.round(4 * Math.sqrt(n)), Math.floor(n / 39)))
  const clusterDims = options.clusterDims ?? Math.min(64, dim)
  const nprobe = Math.min(nlist, Math.max(1, Math.round(nlist / 16)))
  const denseProgress = (stage: string, done: number, total: number) =>
    progress('dense', stage === 'kmeans' ? done / total / 2 : 0.5 + done / total / 2, 1)
  let ann: VectorIndex
  if (kind === 'flat') {
    ann = FlatIndex.build(vectors, n, dim, { metric })
  } else if (kind === 'ivf') {
    ann = IvfIndex.build(vectors, n, dim, { metric, nlist, clusterDims, nprobe, onProgress: denseProgress })
  } else if (kind === 'ivfpq') {
    const m = options.pqBytes ?? [32, 16, 8, 4, 2, 1].find((b) => b <= dim && dim % b === 0)!
    // Codes plus the float vectors for an exact re-rank of the PQ shortlist.
    ann = buildIvfPq(vectors, n, dim, {
      metric,
      nlist,
      clusterDims,
      m,
      nprobe,
      keepVectors: true,
      rerank: 50,
    })
  } else if (kind === 'binary') {
    ann = buildBinary(vectors, n, dim, { metric, rerank: 100, onProgress: denseProgress })
  } else if (kind === 'graph') {
    ann = GraphIndex.build(vectors, n, dim, {
      metric,
      graphDims: clusterDims,
      kernels: options.kernels,
      onProgress: (_stage, done, total) => progress('dense', done / total, 1),
    })
  } else {
    throw new RetrievalError(
      'INVALID_ARGUMENT',
      `kind must be one of ${BUILD_KINDS.join(', ')}, got ${String(kind)}`,
    )
  }
  progress('dense', 1, 1)
  if (options.tune ?? true) {
    // Pseudo-queries: the opening words of a sample of documents (held out from nothing, but
    // recall is measured against exact search on the same vectors, which is what matters).
    const sample = Math.min(200, n)
    const step = n / sample
    const queries = new Float32Array(sample * dim)
    for (let i = 0; i < sample; i++) {
      const row = Math.floor(i * step)
      queries.set(vectors.subarray(row * dim, (row + 1) * dim), i * dim)
      // Perturb towards a different document so the query is not a stored vector.
      const other = (row + Math.floor(n / 2)) % n
      for (let c = 0; c < dim; c++) queries[i * dim + c]! += 0.5 * vectors[other * dim + c]!
    }
    tune(ann, queries, { k: Math.min(10, n), base: vectors, onProgress: (d, t) => progress('tune', d, t) })
  }
  files[INDEX_SET_FILES.dense] = ann.serialize()
  const lexical = buildLexicalIndex(docs)
  const lexicalJson = lexical.toJSON()
  files[INDEX_SET_FILES.lexical] = new TextEncoder().encode(JSON.stringify(lexicalJson))
  progress('lexical', n, n)
  files[INDEX_SET_FILES.documents] = encodeDocuments(docs)
  const calibrate = options.calibrate ?? true
  const fusion =
    calibrate === false
      ? undefined
      : await calibrateFusion(
          {
            docs,
            metric,
            // LSA is fitted again without the pseudo-queries' sentences; a pretrained model
            // only embeds the documents they were cut from.
            embedder: async (changed, cut): Promise<CalibrationEmbedder> => {
              if (spec.kind === 'lsa') {
                const refit = LsaEmbedder.fit(changed, { ...spec.fit, onProgress: undefined })
                return {
                  vectors: refit.embedBatch(changed),
                  dim: refit.dims,
                  embedQuery: (q) => refit.embed(q),
                }
              }
              const patched = vectors.slice()
              const rest = await spec.embed(cut.map((row) => changed[row]!))
              cut.forEach((row, i) => {
                patched.set(rest.subarray(i * dim, (i + 1) * dim), row * dim)
              })
              return { vectors: patched, dim, embedQuery: (q) => spec.embed([q]) }
            },
          },
          { ...(calibrate === true ? {} : calibrate), onProgress: (d, t) => progress('calibrate', d, t) },
        )
  const entries: IndexSetManifest['files'] = {}
  let bytes = 0
  for (const [name, data] of Object.entries(files)) {
    entries[name] = { bytes: data.length, sha256: await sha256Hex(data) }
    bytes += data.length
  }
  const unsealed: Omit<IndexSetManifest, 'sha256'> = {
    format: INDEX_SET_FORMAT,
    version: INDEX_SET_VERSION,
    name: options.name ?? 'index',
    createdAt: new Date().toISOString(),
    generator: GENERATOR,
    corpus: { source: options.source ?? 'unknown', documents: n },
    embedder: embedderInfo,
    dense: {
      file: INDEX_SET_FILES.dense,
      kind: ann.kind,
      metric,
      dim,
      size: n,
      ...(ann.frontier ? { frontier: ann.frontier } : {}),
    },
    lexical: {
      file: INDEX_SET_FILES.lexical,
      engine: 'minisearch',
      engineVersion: MINISEARCH_VERSION,
      bm25: { ...BM25 },
      analyzer: ANALYZER_ID,
    },
    documents: { file: INDEX_SET_FILES.documents, count: n },
    ...(fusion ? { fusion } : {}),
    files: entries,
    stats: {
      documents: n,
      avgTokens: lexicalJson.averageFieldLength[0] ?? 0,
      terms: lexical.termCount,
      bytes,
      buildSeconds: (performance.now() - started) / 1000,
    },
  }
  const manifestBytes = await encodeManifest(unsealed)
  files[INDEX_SET_FILES.manifest] = manifestBytes
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as IndexSetManifest
  progress('write', 1, 1)
  return { files, manifest }
}
