import { FlatIndex, type Metric, Rng } from '@frugal/ann'
import { analyze } from '@frugal/models/embedders'
import { RetrievalError } from './errors.ts'
import { DEFAULT_RRF_K, fuse, LEGACY_FUSION } from './fusion.ts'
import { buildLexicalIndex, lexicalContent, lexicalSearch } from './lexical.ts'
import type { FusionOptions, IndexSetFusion } from './types.ts'

/** Id of the pseudo-query generator below, written into `manifest.fusion.calibration`. */
export const PSEUDO_QUERY_GENERATOR = 'inverse-cloze-v1'

/**
 * A pseudo-query: a sentence cut out of a document (`text`), that document's row (its one
 * relevant document) and the document's text without the sentence (`rest`).
 */
export interface PseudoQuery {
  row: number
  text: string
  rest: string
}

const WORD = /[\p{L}\p{N}]+/gu
const SENTENCE_END = /(?<=[.!?;:])\s+|\n\s*\n?/u
/** Longest pseudo-query, in words: a window of a longer sentence. */
const MAX_QUERY_WORDS = 16

function contentWords(text: string): number {
  let n = 0
  for (const match of text.toLowerCase().matchAll(WORD)) if (analyze(match[0]).length === 1) n++
  return n
}

/**
 * Draws label-free pseudo-queries from the documents themselves, as in the inverse cloze task
 * (Lee, Chang & Toutanova 2019): from each of `count` documents chosen at random (seeded), one
 * random sentence with at least 3 content words becomes the query (a random window of at most
 * 16 words of it), and the document *without that sentence* is the one it must find. Cutting
 * the sentence out is what keeps the queries fair to both sides: a query copied from a
 * document that still contains it is an exact-match best case for BM25, while here each side
 * must find the document through the words and topic it shares with the rest of its text.
 * Documents with fewer than 2 sentences (or no usable one) are skipped.
 * @example
 * pseudoQueries(texts, 200, 1) // [{ row: 812, text: 'the boundary layer separates ahead of the shock', rest: '...' }, ...]
 */
export function pseudoQueries(texts: readonly string[], count: number, seed: number): PseudoQuery[] {
  const rng = new Rng(seed)
  const order = rng.sample(texts.length, texts.length)
  const out: PseudoQuery[] = []
  for (const row of order) {
    if (out.length >= count) break
    const sentences = texts[row]!.split(SENTENCE_END).filter((x) => x.trim() !== '')
    if (sentences.length < 2) continue
    const usable = sentences.flatMap((x, i) => (contentWords(x) >= 3 ? [i] : []))
    if (usable.length === 0) continue
    const cut = usable[rng.int(usable.length)]!
    const words = sentences[cut]!.trim().split(/\s+/)
    const start = words.length > MAX_QUERY_WORDS ? rng.int(words.length - MAX_QUERY_WORDS + 1) : 0
    const text = words.slice(start, start + MAX_QUERY_WORDS).join(' ')
    if (contentWords(text) < 2) continue
    const rest = sentences.filter((_, i) => i !== cut).join('\n')
    if (contentWords(rest) < 3) continue
    out.push({ row, text, rest })
  }
  return out
}

/** The fusion settings the calibration chooses among (besides the two single sides). */
export function fusionGrid(): Omit<Required<FusionOptions>, 'depth'>[] {
  const grid: Omit<Required<FusionOptions>, 'depth'>[] = []
  for (let i = 0; i <= 20; i++) {
    const w = i / 20
    grid.push({ method: 'convex', k: DEFAULT_RRF_K, denseWeight: w, lexicalWeight: 1 - w })
  }
  for (let i = 0; i <= 20; i++) {
    const w = i / 20
    grid.push({ method: 'rrf', k: DEFAULT_RRF_K, denseWeight: w, lexicalWeight: 1 - w })
  }
  return grid
}

/** One side's ranked rows and scores for a query, best first. */
export interface SideResult {
  rows: Int32Array
  scores: Float32Array
}

/** The embedder the calibration searches with, ready for the changed collection. */
export interface CalibrationEmbedder {
  /** Embeddings of the changed collection, row-major `docs.length × dim`. */
  vectors: Float32Array
  dim: number
  embedQuery: (text: string) => Promise<Float32Array> | Float32Array
}

/** What the calibration needs of a set being built. */
export interface CalibrationInput {
  /** The documents as indexed (row i = document i). */
  docs: readonly { title: string; text: string }[]
  metric: Metric
  /**
   * The dense side for the collection with each pseudo-query's sentence cut out of its
   * document (`texts`; the changed rows are `cut`). An embedder fitted on the collection
   * (LSA) must be fitted again on `texts`, or it would have seen every cut sentence next to
   * the rest of its document — a leak that makes the dense side look far better on
   * pseudo-queries than on real ones. A pretrained embedder re-embeds the `cut` rows only.
   */
  embedder: (texts: string[], cut: readonly number[]) => Promise<CalibrationEmbedder> | CalibrationEmbedder
}

export interface CalibrationOptions {
  /** Pseudo-queries to fit on; default 400 (fewer if the set has fewer usable documents). */
  queries?: number
  /** Seed of the pseudo-query draw; default 1. */
  seed?: number
  /** Candidates per side; default 100 (what a hybrid search with k <= 100 takes). */
  depth?: number
  /** Called after each pseudo-query has been searched. */
  onProgress?: (done: number, total: number) => void
}

/** nDCG@10 of a ranking against one relevant row (gain 1): 1 / log2(rank + 1) within the top 10. */
function ndcg10(rows: Int32Array, target: number): number {
  const n = Math.min(10, rows.length)
  for (let i = 0; i < n; i++) if (rows[i] === target) return 1 / Math.log2(i + 2)
  return 0
}

/** Pseudo-query nDCG@10 of each side, of legacy RRF, and of every `fusionGrid()` setting. */
export interface FusionSweep {
  queries: number
  dense: number
  lexical: number
  rrf: number
  /** Each setting's mean and its per-query values (in query order). */
  grid: { setting: Omit<Required<FusionOptions>, 'depth'>; ndcg: number; perQuery: Float64Array }[]
}

/**
 * Scores both sides, equal-weight RRF and every setting of `fusionGrid()` on pseudo-queries:
 * each query's sentence is cut out of its document, the dense side is prepared for the
 * changed collection (`input.embedder`) and searched exactly (flat scan), a BM25 index is
 * built over the changed collection, and each setting's nDCG@10 of the source document is
 * recorded per query.
 */
export async function sweepFusion(
  input: CalibrationInput,
  options: CalibrationOptions = {},
): Promise<FusionSweep> {
  const count = options.queries ?? DEFAULT_CALIBRATION_QUERIES
  const seed = options.seed ?? 1
  const depth = options.depth ?? 100
  if (!Number.isInteger(count) || count < 1)
    throw new RetrievalError(
      'INVALID_ARGUMENT',
      `calibration queries must be a positive integer, got ${count}`,
    )
  if (!Number.isInteger(depth) || depth < 10)
    throw new RetrievalError('INVALID_ARGUMENT', `calibration depth must be an integer >= 10, got ${depth}`)
  const texts = input.docs.map((d) => lexicalContent(d.title, d.text))
  const n = texts.length
  const queries = pseudoQueries(texts, count, seed)
  const changed = texts.slice()
  for (const q of queries) changed[q.row] = q.rest
  const embedder = await input.embedder(
    changed,
    queries.map((q) => q.row),
  )
  const flat = FlatIndex.build(embedder.vectors, n, embedder.dim, { metric: input.metric })
  const bm25 = buildLexicalIndex(changed.map((text) => ({ title: '', text })))
  const grid = fusionGrid().map((setting) => ({
    setting,
    ndcg: 0,
    perQuery: new Float64Array(queries.length),
  }))
  let denseSum = 0
  let lexicalSum = 0
  let rrfSum = 0
  for (const [i, q] of queries.entries()) {
    const vector = await embedder.embedQuery(q.text)
    const found = flat.search(vector, Math.min(depth, n))
    const d: SideResult = vector.some((x) => x !== 0)
      ? { rows: found.ids, scores: found.scores }
      : { rows: new Int32Array(0), scores: new Float32Array(0) }
    const l = lexicalSearch(bm25, q.text, depth)
    denseSum += ndcg10(d.rows, q.row)
    lexicalSum += ndcg10(l.rows, q.row)
    rrfSum += ndcg10(fuse(d, l, LEGACY_FUSION, 10).rows, q.row)
    for (const g of grid) g.perQuery[i] = ndcg10(fuse(d, l, g.setting, 10).rows, q.row)
    options.onProgress?.(i + 1, queries.length)
  }
  const m = Math.max(1, queries.length)
  for (const g of grid) g.ndcg = g.perQuery.reduce((sum, v) => sum + v, 0) / m
  return { queries: queries.length, dense: denseSum / m, lexical: lexicalSum / m, rrf: rrfSum / m, grid }
}

/**
 * The choice over a sweep: the centre of the settings that the pseudo-queries cannot tell
 * from the best. Of the settings of the best setting's method whose mean paired per-query
 * shortfall from the best is at most half its standard error, the one with the median dense
 * weight is kept. The plain best is the noisiest pick (on a flat optimum any weight of the
 * plateau can win by chance); the centre of the plateau moves far less from draw to draw.
 */
export function chooseFusion(sweep: FusionSweep): FusionSweep['grid'][number] | undefined {
  if (sweep.queries === 0 || sweep.grid.length === 0) return undefined
  const best = sweep.grid.reduce((a, b) => (b.ndcg > a.ndcg ? b : a))
  const n = sweep.queries
  const close = sweep.grid.filter((c) => {
    if (c.setting.method !== best.setting.method) return false
    let sum = 0
    let sq = 0
    for (let i = 0; i < n; i++) {
      const diff = best.perQuery[i]! - c.perQuery[i]!
      sum += diff
      sq += diff * diff
    }
    const meanDiff = sum / n
    const se = n > 1 ? Math.sqrt(Math.max(0, sq / n - meanDiff * meanDiff) / (n - 1)) : 0
    return meanDiff <= 0.5 * se
  })
  close.sort((a, b) => a.setting.denseWeight - b.setting.denseWeight)
  return close[Math.floor(close.length / 2)]!
}

/** Default number of pseudo-queries a set's fusion is fitted on. */
export const DEFAULT_CALIBRATION_QUERIES = 400

/**
 * Fits a set's hybrid fusion without relevance labels: `sweepFusion` on inverse-cloze
 * pseudo-queries, then `chooseFusion` (the centre of the settings within half a standard
 * error of the best). A set
 * whose documents yield no pseudo-query (every one a single sentence) gets equal-weight RRF.
 * @example
 * const fusion = await calibrateFusion({ docs, metric: 'cosine', embedder: (texts) => refit(texts) })
 */
export async function calibrateFusion(
  input: CalibrationInput,
  options: CalibrationOptions = {},
): Promise<IndexSetFusion> {
  const sweep = await sweepFusion(input, options)
  const chosen = chooseFusion(sweep)
  const setting = chosen?.setting ?? LEGACY_FUSION
  return {
    method: setting.method,
    k: setting.k,
    denseWeight: setting.denseWeight,
    lexicalWeight: setting.lexicalWeight,
    calibration: {
      generator: PSEUDO_QUERY_GENERATOR,
      queries: sweep.queries,
      seed: options.seed ?? 1,
      depth: options.depth ?? 100,
      ndcg: { dense: sweep.dense, lexical: sweep.lexical, rrf: sweep.rrf, fused: chosen?.ndcg ?? sweep.rrf },
    },
  }
}
