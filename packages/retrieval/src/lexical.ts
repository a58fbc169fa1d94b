import { analyze } from '@frugal/models'
import MiniSearch, { type Options } from 'minisearch'
import { z } from 'zod'

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

const count = z.number().int().nonnegative()
/** MiniSearch's short document ids are the keys of several maps: decimal integers. */
const shortId = z.string().regex(/^(0|[1-9][0-9]*)$/, 'a decimal document key')

/**
 * The whole shape of a serialised MiniSearch index as `buildLexicalIndex` writes it (one
 * field, `content`, nothing stored, no removals). MiniSearch itself trusts this JSON, so a
 * missing or mistyped member would load and only fail at search time.
 */
const lexicalSchema = z
  .object({
    documentCount: count,
    nextId: count,
    documentIds: z.record(shortId, count),
    fieldIds: z.object({ content: z.literal(0) }).strict(),
    fieldLength: z.record(shortId, z.tuple([count])),
    averageFieldLength: z.tuple([z.number().nonnegative()]),
    storedFields: z.record(shortId, z.object({}).strict()),
    dirtCount: z.literal(0),
    index: z.array(
      z.tuple([
        z.string().min(1),
        z.object({ '0': z.record(shortId, z.number().int().positive()) }).strict(),
      ]),
    ),
    serializationVersion: z.literal(2),
  })
  .strict()

type LexicalJson = z.infer<typeof lexicalSchema>

/**
 * Reads a serialised BM25 index of `rows` documents, given as the bytes of `lexical.json`
 * (decoded as strict UTF-8) or as its text. Everything a search reads is checked first:
 * the JSON's complete shape, document ids that are exactly the rows `0..rows-1` (each hit
 * is looked up in the document store), field lengths for every document, an average field
 * length that matches them, and postings that only name known documents. Throws a plain
 * `Error` naming the first problem (the index-set loader turns it into `CORRUPT`).
 */
export function loadLexicalIndex(input: Uint8Array | string, rows: number): MiniSearch<LexicalDoc> {
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input)
  const parsed = lexicalSchema.safeParse(JSON.parse(text))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new Error(`the lexical index is malformed at ${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  const js = parsed.data
  checkDocuments(js, rows)
  return MiniSearch.loadJS<LexicalDoc>(js as Parameters<typeof MiniSearch.loadJS>[0], OPTIONS)
}

function checkDocuments(js: LexicalJson, rows: number): void {
  const seen = new Uint8Array(rows)
  let documents = 0
  let lengthSum = 0
  for (const [key, row] of Object.entries(js.documentIds)) {
    if (row >= rows || seen[row])
      throw new Error(`the lexical index holds document id ${row}, not a row in 0..${rows - 1}`)
    seen[row] = 1
    documents++
    if (Number(key) >= js.nextId)
      throw new Error(`the lexical index's document key ${key} is not below nextId`)
    const length = js.fieldLength[key]
    if (length === undefined) throw new Error(`the lexical index has no field length for document key ${key}`)
    lengthSum += length[0]
  }
  if (documents !== rows) throw new Error(`the lexical index holds ${documents} documents, not ${rows}`)
  if (js.documentCount !== rows)
    throw new Error(`the lexical index counts ${js.documentCount} documents, not ${rows}`)
  if (Object.keys(js.fieldLength).length !== rows)
    throw new Error('the lexical index has field lengths for documents it does not hold')
  for (const key of Object.keys(js.storedFields)) {
    if (js.documentIds[key] === undefined)
      throw new Error(`the lexical index stores fields of an unknown document key ${key}`)
  }
  // MiniSearch keeps a running mean; it must agree with the lengths it is the mean of.
  const mean = rows === 0 ? 0 : lengthSum / rows
  if (Math.abs(js.averageFieldLength[0] - mean) > 1e-9 * Math.max(1, mean))
    throw new Error(`the lexical index's average field length ${js.averageFieldLength[0]} is not ${mean}`)
  const terms = new Set<string>()
  for (const [term, fields] of js.index) {
    if (terms.has(term)) throw new Error(`the lexical index repeats the term "${term}"`)
    terms.add(term)
    for (const key of Object.keys(fields['0'])) {
      if (js.documentIds[key] === undefined)
        throw new Error(`the lexical index posts "${term}" to an unknown document key ${key}`)
    }
  }
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
