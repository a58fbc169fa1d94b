import { ArtifactWriter, readArtifact, requireSection } from '@frugal/ann'
import { ANALYZER_ID, analyze } from './analyzer.ts'
import { ModelError } from './errors.ts'
import { type CsrMatrix, randomizedSvd } from './svd.ts'

/** Artifact `kind` of a saved {@link LsaEmbedder}. */
export const LSA_KIND = 'lsa-embedder'

export interface LsaFitOptions {
  /** Output dims (SVD rank); default 256. Fewer when the corpus has lower rank. */
  dims?: number
  /** Terms in fewer documents are dropped; default 2 for corpora of 1000+ documents, else 1. */
  minDf?: number
  /** Terms in more than this fraction of documents are dropped; default 1 (keep). */
  maxDfRatio?: number
  /** Keep at most this many terms (the most frequent by document frequency); default 100 000. */
  maxVocabulary?: number
  /** SVD power iterations; default 1 (LSA quality barely changes beyond). */
  powerIterations?: number
  seed?: number
  /** Progress of the fit: `stage` is `analyze` or `svd`. */
  onProgress?: (stage: 'analyze' | 'svd', done: number, total: number) => void
}

/**
 * Latent semantic analysis embedder: sublinear TF-IDF (`(1 + ln tf) · idf`, rows L2-normalised)
 * projected onto the top right singular vectors of the corpus matrix. Dimensions are
 * ordered by singular value, so every prefix is itself an LSA embedding of lower rank —
 * Matryoshka by construction, which is what AdANNS's adaptive dims need.
 * Runs anywhere (typed arrays only); fitting 13k passages to 256 dims takes seconds.
 * @example
 * const lsa = LsaEmbedder.fit(docs.map((d) => d.text), { dims: 256 })
 * const q = lsa.embed('tax relief for families', 64) // unit-length 64-dim prefix
 * const bytes = lsa.serialize(); LsaEmbedder.load(bytes)
 */
export class LsaEmbedder {
  /** Full output dims. */
  readonly dims: number
  /** Terms of the vocabulary; row `t` of the projection belongs to `terms[t]`. */
  readonly terms: readonly string[]
  /** `ln((1 + N) / (1 + df)) + 1` per term. */
  readonly idf: Float32Array
  /** Row-major `terms × dims`: term loadings on the singular directions. */
  readonly projection: Float32Array
  /** Singular values, descending. */
  readonly singularValues: Float32Array
  /** Documents the embedder was fitted on. */
  readonly documents: number
  readonly #index: Map<string, number>

  private constructor(fields: {
    terms: readonly string[]
    idf: Float32Array
    projection: Float32Array
    singularValues: Float32Array
    documents: number
  }) {
    this.terms = fields.terms
    this.idf = fields.idf
    this.projection = fields.projection
    this.singularValues = fields.singularValues
    this.documents = fields.documents
    this.dims = fields.singularValues.length
    this.#index = new Map(fields.terms.map((t, i) => [t, i]))
  }

  /** Fits the embedder on a corpus of texts. */
  static fit(texts: readonly string[], options: LsaFitOptions = {}): LsaEmbedder {
    const n = texts.length
    if (n === 0) throw new ModelError('INVALID_ARGUMENT', 'cannot fit an LSA embedder on an empty corpus')
    const dims = options.dims ?? 256
    if (!Number.isInteger(dims) || dims < 1) {
      throw new ModelError('INVALID_ARGUMENT', `dims must be a positive integer, got ${dims}`)
    }
    const minDf = options.minDf ?? (n >= 1000 ? 2 : 1)
    const maxDf = (options.maxDfRatio ?? 1) * n
    const maxVocabulary = options.maxVocabulary ?? 100_000
    const counts: Map<string, number>[] = []
    const df = new Map<string, number>()
    for (let i = 0; i < n; i++) {
      const tf = new Map<string, number>()
      for (const term of analyze(texts[i]!)) tf.set(term, (tf.get(term) ?? 0) + 1)
      for (const term of tf.keys()) df.set(term, (df.get(term) ?? 0) + 1)
      counts.push(tf)
      if (i % 1000 === 999) options.onProgress?.('analyze', i + 1, n)
    }
    options.onProgress?.('analyze', n, n)
    const terms = [...df.entries()]
      .filter(([, d]) => d >= minDf && d <= maxDf)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxVocabulary)
      .map(([t]) => t)
    if (terms.length === 0)
      throw new ModelError('INVALID_ARGUMENT', 'no term passes the document-frequency filters')
    const index = new Map(terms.map((t, i) => [t, i]))
    const idf = new Float32Array(terms.length)
    terms.forEach((t, i) => {
      idf[i] = Math.log((1 + n) / (1 + df.get(t)!)) + 1
    })
    const matrix = buildCsr(counts, index, idf)
    const svd = randomizedSvd(matrix, Math.min(dims, terms.length, n), {
      seed: options.seed ?? 42,
      powerIterations: options.powerIterations ?? 1,
      onProgress: (d, t) => options.onProgress?.('svd', d, t),
    })
    return new LsaEmbedder({
      terms,
      idf,
      projection: Float32Array.from(svd.vectors),
      singularValues: Float32Array.from(svd.values),
      documents: n,
    })
  }

  /**
   * Embeds one text: unit length over the first `dims` dimensions (default all). A text
   * with no vocabulary term gives the zero vector.
   */
  embed(text: string, dims: number = this.dims): Float32Array {
    const out = new Float32Array(this.#checkDims(dims))
    this.#embedInto(text, out, 0, dims)
    return out
  }

  /** Embeds many texts into one row-major `texts.length × dims` array. */
  embedBatch(texts: readonly string[], dims: number = this.dims): Float32Array {
    this.#checkDims(dims)
    const out = new Float32Array(texts.length * dims)
    for (const [i, text] of texts.entries()) this.#embedInto(text, out, i * dims, dims)
    return out
  }

  /** The sparse, L2-normalised TF-IDF weights of a text (term index → weight). */
  weights(text: string): Map<number, number> {
    const tf = new Map<number, number>()
    for (const term of analyze(text)) {
      const t = this.#index.get(term)
      if (t !== undefined) tf.set(t, (tf.get(t) ?? 0) + 1)
    }
    let norm = 0
    for (const [t, c] of tf) {
      const w = (1 + Math.log(c)) * this.idf[t]!
      tf.set(t, w)
      norm += w * w
    }
    norm = Math.sqrt(norm)
    if (norm > 0) for (const [t, w] of tf) tf.set(t, w / norm)
    return tf
  }

  /** The versioned, checksummed artifact; {@link LsaEmbedder.load} reads it back. */
  serialize(): Uint8Array {
    return new ArtifactWriter(LSA_KIND, {
      dims: this.dims,
      vocabulary: this.terms.length,
      documents: this.documents,
      analyzer: ANALYZER_ID,
      weighting: 'sublinear-tf-idf-l2',
    })
      .addSection('terms', new TextEncoder().encode(this.terms.join('\n')))
      .addSection('idf', this.idf)
      .addSection('projection', this.projection)
      .addSection('singular_values', this.singularValues)
      .finish()
  }

  /**
   * Loads a saved embedder. Refuses anything damaged before returning: container errors are
   * `AnnError`s (`BAD_MAGIC`, `TRUNCATED`, `CHECKSUM_MISMATCH`, ...); a valid container with
   * the wrong kind, analyzer or inconsistent sections is a `ModelError`.
   */
  static load(bytes: Uint8Array | ArrayBuffer): LsaEmbedder {
    const artifact = readArtifact(bytes)
    if (artifact.kind !== LSA_KIND) {
      throw new ModelError('CORRUPT', `artifact holds a "${artifact.kind}", expected "${LSA_KIND}"`)
    }
    const p = artifact.params
    if (p['analyzer'] !== ANALYZER_ID) {
      throw new ModelError(
        'UNSUPPORTED_VERSION',
        `embedder was fitted with analyzer "${String(p['analyzer'])}"`,
      )
    }
    const dims = p['dims']
    const vocabulary = p['vocabulary']
    if (!Number.isInteger(dims) || !Number.isInteger(vocabulary)) {
      throw new ModelError('CORRUPT', 'LSA artifact lacks its dims or vocabulary size')
    }
    const d = dims as number
    const v = vocabulary as number
    try {
      const terms = new TextDecoder().decode(requireSection(artifact, 'terms', 'u8')).split('\n')
      if (terms.length !== v)
        throw new ModelError('CORRUPT', `LSA artifact has ${terms.length} terms, expected ${v}`)
      if (new Set(terms).size !== v) throw new ModelError('CORRUPT', 'LSA artifact repeats a term')
      const idf = requireSection(artifact, 'idf', 'f32', v)
      const projection = requireSection(artifact, 'projection', 'f32', v * d)
      const singularValues = requireSection(artifact, 'singular_values', 'f32', d)
      for (const [name, data] of [
        ['idf', idf],
        ['projection', projection],
        ['singular_values', singularValues],
      ] as const) {
        for (let i = 0; i < data.length; i++) {
          if (!Number.isFinite(data[i]!))
            throw new ModelError('CORRUPT', `LSA artifact section ${name} holds ${data[i]} at ${i}`)
        }
      }
      return new LsaEmbedder({
        terms,
        idf,
        projection,
        singularValues,
        documents: Number(p['documents'] ?? 0),
      })
    } catch (cause) {
      if (cause instanceof ModelError) throw cause
      throw new ModelError('CORRUPT', (cause as Error).message, { cause })
    }
  }

  #checkDims(dims: number): number {
    if (!Number.isInteger(dims) || dims < 1 || dims > this.dims) {
      throw new ModelError('INVALID_ARGUMENT', `dims must be an integer in 1..${this.dims}, got ${dims}`)
    }
    return dims
  }

  #embedInto(text: string, out: Float32Array, offset: number, dims: number): void {
    const full = this.dims
    // Summed and normalised in float64: the term weights are at most 1, so even the largest
    // finite float32 loadings (3.4e38) cannot overflow here, and the unit-length result always
    // fits float32. Summing into the float32 output could reach Infinity, and then NaN.
    const sum = new Float64Array(dims)
    for (const [t, w] of this.weights(text)) {
      const row = t * full
      for (let c = 0; c < dims; c++) sum[c]! += w * this.projection[row + c]!
    }
    let norm = 0
    for (let c = 0; c < dims; c++) norm += sum[c]! * sum[c]!
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0
    for (let c = 0; c < dims; c++) out[offset + c] = sum[c]! * inv
  }
}

function buildCsr(counts: Map<string, number>[], index: Map<string, number>, idf: Float32Array): CsrMatrix {
  const indptr = new Int32Array(counts.length + 1)
  const cols: number[] = []
  const vals: number[] = []
  counts.forEach((tf, i) => {
    const start = cols.length
    let norm = 0
    for (const [term, c] of tf) {
      const t = index.get(term)
      if (t === undefined) continue
      const w = (1 + Math.log(c)) * idf[t]!
      cols.push(t)
      vals.push(w)
      norm += w * w
    }
    norm = Math.sqrt(norm)
    if (norm > 0) for (let p = start; p < vals.length; p++) vals[p]! /= norm
    indptr[i + 1] = cols.length
  })
  return {
    rows: counts.length,
    cols: idf.length,
    indptr,
    indices: Int32Array.from(cols),
    values: Float64Array.from(vals),
  }
}
