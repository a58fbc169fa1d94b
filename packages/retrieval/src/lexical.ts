import { analyze } from '@frugal/models'
import MiniSearch, { type Options } from 'minisearch'

/** BM25 parameters (Robertson/Lucene defaults); `d = 0` turns MiniSearch's BM25+ into plain BM25. */
export const BM25 = { k1: 1.2, b: 0.75 } as const

/** MiniSearch version the lexical index is written with (bump `INDEX_SET_VERSION` if its JSON changes). */
export const MINISEARCH_VERSION = '7.2.0'

interface LexicalDoc {
  row: number
  content: string
}

const OPTIONS: Options<LexicalDoc> = {
  idField: 'row',
  fields: ['content'],
  storeFields: [],
  // The shared analyzer does lowercasing, stopwords and stemming; MiniSearch must not redo it.
  tokenize: (text) => analyze(text),
  processTerm: (term) => term,
  searchOptions: {
    combineWith: 'OR',
    prefix: false,
    fuzzy: false,
    bm25: { k: BM25.k1, b: BM25.b, d: 0 },
  },
}

/** The text BM25 sees: the title, unless the text already starts with it (Cranfield does), then the text. */
export function lexicalContent(title: string, text: string): string {
  if (title === '' || text.startsWith(title)) return text
  return `${title}\n${text}`
}

/** Builds the BM25 index; row `i` is document `i` of the set. */
export function buildLexicalIndex(docs: readonly { title: string; text: string }[]): MiniSearch<LexicalDoc> {
  const index = new MiniSearch<LexicalDoc>(OPTIONS)
  index.addAll(docs.map((d, row) => ({ row, content: lexicalContent(d.title, d.text) })))
  return index
}

/**
 * Reads a serialised BM25 index of `rows` documents (throws on malformed JSON). Every hit is
 * looked up as a row of the document store, so the index's ids must be exactly `0..rows-1`.
 */
export function loadLexicalIndex(json: string, rows: number): MiniSearch<LexicalDoc> {
  const js = JSON.parse(json) as { documentIds?: unknown }
  const ids = js?.documentIds
  if (typeof ids !== 'object' || ids === null || Array.isArray(ids))
    throw new Error('the lexical index has no documentIds')
  const seen = new Uint8Array(rows)
  let count = 0
  for (const row of Object.values(ids)) {
    if (typeof row !== 'number' || !Number.isInteger(row) || row < 0 || row >= rows || seen[row])
      throw new Error(
        `the lexical index holds document id ${JSON.stringify(row)}, not a row in 0..${rows - 1}`,
      )
    seen[row] = 1
    count++
  }
  if (count !== rows) throw new Error(`the lexical index holds ${count} documents, not ${rows}`)
  return MiniSearch.loadJS<LexicalDoc>(js as Parameters<typeof MiniSearch.loadJS>[0], OPTIONS)
}

/** Ranked rows of a lexical search. */
export interface LexicalResult {
  rows: Int32Array
  scores: Float32Array
  /** Documents that matched at least one query term (all were scored). */
  candidates: number
}

/**
 * Plain BM25 ranking of the top `depth` rows. MiniSearch multiplies each score by the
 * number of matched query terms (a coordination factor); it is divided out here so the
 * ranking is textbook BM25 (k1 = 1.2, b = 0.75).
 */
export function lexicalSearch(index: MiniSearch<LexicalDoc>, query: string, depth: number): LexicalResult {
  const raw = index.search(query)
  const scored = raw.map((r) => ({ row: r.id as number, score: r.score / Math.max(1, r.queryTerms.length) }))
  scored.sort((a, b) => b.score - a.score || a.row - b.row)
  const top = scored.slice(0, depth)
  return {
    rows: Int32Array.from(top, (r) => r.row),
    scores: Float32Array.from(top, (r) => r.score),
    candidates: raw.length,
  }
}
