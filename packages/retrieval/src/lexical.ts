import { analyze } from '@frugal/models/embedders'
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
const plainObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  'an object',
)

/**
 * The shape of a serialised MiniSearch index as `buildLexicalIndex` writes it (one field,
 * `content`, nothing stored, no removals). MiniSearch itself trusts this JSON, so a missing or
 * mistyped member would load and only fail at search time. The four large members (one entry
 * per document or term) are checked by hand in one pass: zod over them costs ~50× more.
 */
const lexicalSchema = z
  .object({
    documentCount: count,
    nextId: count,
    documentIds: plainObject,
    fieldIds: z.object({ content: z.literal(0) }).strict(),
    fieldLength: plainObject,
    averageFieldLength: z.tuple([z.number().nonnegative()]),
    storedFields: plainObject,
    dirtCount: z.literal(0),
    index: z.array(z.unknown()),
    serializationVersion: z.literal(2),
  })
  .strict()

type LexicalJson = z.infer<typeof lexicalSchema>

const SHORT_ID = /^(0|[1-9][0-9]*)$/
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0

/**
 * Reads a serialised BM25 index of `rows` documents, given as the bytes of `lexical.json`
 * (decoded as strict UTF-8) or as its text. Everything a search reads is checked first:
 * the JSON's complete shape, document ids that are exactly the rows `0..rows-1` (each hit
 * is looked up in the document store), field lengths for every document, an average field
 * length that matches them, and postings (positive integer frequencies) that only name known
 * documents. Throws a plain `Error` naming the first problem (the index-set loader turns it
 * into `CORRUPT`).
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
  checkPostings(js)
  return MiniSearch.loadJS<LexicalDoc>(js as Parameters<typeof MiniSearch.loadJS>[0], OPTIONS)
}

function checkDocuments(js: LexicalJson, rows: number): void {
  const seen = new Uint8Array(rows)
  let documents = 0
  let lengthSum = 0
  for (const [key, row] of Object.entries(js.documentIds)) {
    if (!SHORT_ID.test(key)) throw new Error(`the lexical index has a document key "${key.slice(0, 40)}"`)
    if (!isCount(row) || row >= rows || seen[row])
      throw new Error(
        `the lexical index holds document id ${JSON.stringify(row)}, not a row in 0..${rows - 1}`,
      )
    seen[row] = 1
    documents++
    if (Number(key) >= js.nextId)
      throw new Error(`the lexical index's document key ${key} is not below nextId`)
    const length = js.fieldLength[key]
    if (!Array.isArray(length) || length.length !== 1 || !isCount(length[0]))
      throw new Error(`the lexical index has no field length for document key ${key}`)
    lengthSum += length[0]
  }
  if (documents !== rows) throw new Error(`the lexical index holds ${documents} documents, not ${rows}`)
  if (js.documentCount !== rows)
    throw new Error(`the lexical index counts ${js.documentCount} documents, not ${rows}`)
  if (Object.keys(js.fieldLength).length !== rows)
    throw new Error('the lexical index has field lengths for documents it does not hold')
  for (const [key, fields] of Object.entries(js.storedFields)) {
    if (js.documentIds[key] === undefined)
      throw new Error(`the lexical index stores fields of an unknown document key ${key.slice(0, 40)}`)
    if (typeof fields !== 'object' || fields === null || Object.keys(fields).length > 0)
      throw new Error(`the lexical index stores fields for document key ${key}; it stores none`)
  }
  // MiniSearch keeps a running mean; it must agree with the lengths it is the mean of.
  const mean = rows === 0 ? 0 : lengthSum / rows
  if (Math.abs(js.averageFieldLength[0] - mean) > 1e-9 * Math.max(1, mean))
    throw new Error(`the lexical index's average field length ${js.averageFieldLength[0]} is not ${mean}`)
}

function checkPostings(js: LexicalJson): void {
  const terms = new Set<string>()
  for (const [i, entry] of js.index.entries()) {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || entry[0] === '')
      throw new Error(`the lexical index's term entry ${i} is not [term, postings]`)
    const [term, fields] = entry as [string, unknown]
    if (terms.has(term)) throw new Error(`the lexical index repeats the term "${term.slice(0, 40)}"`)
    terms.add(term)
    const keys =
      typeof fields === 'object' && fields !== null && !Array.isArray(fields) ? Object.keys(fields) : []
    const postings = keys.length === 1 && keys[0] === '0' ? (fields as { '0': unknown })['0'] : undefined
    if (typeof postings !== 'object' || postings === null || Array.isArray(postings))
      throw new Error(`the lexical index's postings of "${term.slice(0, 40)}" are malformed`)
    for (const [key, frequency] of Object.entries(postings)) {
      if (js.documentIds[key] === undefined || !SHORT_ID.test(key))
        throw new Error(
          `the lexical index posts "${term.slice(0, 40)}" to an unknown document key ${key.slice(0, 40)}`,
        )
      if (!isCount(frequency) || frequency === 0)
        throw new Error(
          `the lexical index gives "${term.slice(0, 40)}" a frequency of ${JSON.stringify(frequency)}`,
        )
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
