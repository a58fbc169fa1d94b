import { DatasetError } from './errors.ts'
import type { Document, LineSource, Qrels, Query } from './types.ts'

interface Record_ {
  id: string
  line: number
  fields: Map<string, string[]>
}

/** Reads SMART-style `.I`-records (`.I n`, then `.T`/`.A`/`.B`/`.W` sections). */
async function* records(source: LineSource, file: string, allowed: string): AsyncGenerator<Record_> {
  let current: Record_ | undefined
  let section: string[] | undefined
  let line = 0
  for await (const raw of source) {
    line++
    const marker = /^\.([A-Z])(?:\s+(.*))?$/.exec(raw.trimEnd())
    if (marker !== null) {
      const [, tag, arg] = marker as unknown as [string, string, string | undefined]
      if (tag === 'I') {
        if (current !== undefined) yield current
        const id = arg?.trim() ?? ''
        if (!/^\d+$/.test(id))
          throw new DatasetError('PARSE_ERROR', `bad record id ".I ${id}"`, { file, line })
        current = { id: String(Number(id)), line, fields: new Map() }
        section = undefined
        continue
      }
      if (!allowed.includes(tag)) {
        throw new DatasetError('PARSE_ERROR', `unknown section ".${tag}"`, { file, line })
      }
      if (current === undefined) {
        throw new DatasetError('PARSE_ERROR', `section ".${tag}" before the first ".I"`, { file, line })
      }
      section = []
      current.fields.set(tag, section)
      if (arg !== undefined && arg.trim() !== '') section.push(arg.trim())
      continue
    }
    if (raw.trim() === '') continue
    if (section === undefined) {
      throw new DatasetError('PARSE_ERROR', 'text outside a section (expected ".I", ".T", ".W", ...)', {
        file,
        line,
      })
    }
    section.push(raw.trim())
  }
  if (current !== undefined) yield current
}

function joined(record: Record_, tag: string): string | undefined {
  return record.fields.get(tag)?.join(' ')
}

/**
 * Parses `cran.all.1400`: id from `.I`, title from `.T`, text from `.W` (the abstract,
 * which in Cranfield starts with the title again).
 */
export async function* parseCranfieldDocuments(
  source: LineSource,
  file = 'cran.all.1400',
): AsyncGenerator<Document> {
  for await (const record of records(source, file, 'TABW')) {
    const text = joined(record, 'W')
    if (text === undefined) {
      throw new DatasetError('MISSING_FIELD', `document ${record.id} has no ".W" section`, {
        file,
        line: record.line,
      })
    }
    yield { id: record.id, title: joined(record, 'T') ?? '', text }
  }
}

/**
 * Parses `cran.qry`. Queries get ids `1..n` in FILE ORDER, because that is how `cranqrel`
 * numbers them (the `.I` numbers skip values and do not match the judgements).
 */
export async function* parseCranfieldQueries(source: LineSource, file = 'cran.qry'): AsyncGenerator<Query> {
  let n = 0
  for await (const record of records(source, file, 'W')) {
    const text = joined(record, 'W')
    if (text === undefined || text.trim() === '') {
      throw new DatasetError('MISSING_FIELD', `query ".I ${record.id}" has no ".W" text`, {
        file,
        line: record.line,
      })
    }
    n++
    yield { id: String(n), text }
  }
}

/**
 * Cleverdon's relevance codes → gains: 1 (complete answer) → 4, 2 → 3, 3 → 2,
 * 4 (minimum interest) → 1; -1 (no interest) → 0, i.e. judged non-relevant.
 */
export function cranfieldGain(code: number, minusOneGain = 0): number {
  if (code === -1) return minusOneGain
  if (code >= 1 && code <= 4) return 5 - code
  throw new RangeError(`unknown Cranfield relevance code ${code}`)
}

/**
 * Parses `cranqrel` (`query doc code` per line, whitespace-separated) into gains with
 * {@link cranfieldGain}. Query numbers are file positions in `cran.qry` (1-based).
 * @param queryCount when given, query numbers outside `1..queryCount` are refused
 * @param minusOneGain gain of code -1 (default 0: judged non-relevant)
 */
export async function parseCranfieldQrels(
  source: LineSource,
  file = 'cranqrel',
  queryCount?: number,
  minusOneGain = 0,
): Promise<Qrels> {
  const qrels: Qrels = new Map()
  let line = 0
  for await (const raw of source) {
    line++
    if (raw.trim() === '') continue
    const cols = raw.trim().split(/\s+/)
    if (cols.length !== 3 || !cols.every((c) => /^-?\d+$/.test(c))) {
      throw new DatasetError('PARSE_ERROR', `expected "query doc code", got ${JSON.stringify(raw)}`, {
        file,
        line,
      })
    }
    const [q, d, c] = cols.map(Number) as [number, number, number]
    if (q < 1 || (queryCount !== undefined && q > queryCount)) {
      throw new DatasetError('PARSE_ERROR', `query number ${q} outside 1..${queryCount ?? 'n'}`, {
        file,
        line,
      })
    }
    if (c !== -1 && (c < 1 || c > 4)) {
      throw new DatasetError('PARSE_ERROR', `relevance code ${c} is not one of 1..4 or -1`, { file, line })
    }
    const qid = String(q)
    let judged = qrels.get(qid)
    if (judged === undefined) {
      judged = new Map()
      qrels.set(qid, judged)
    }
    judged.set(String(d), cranfieldGain(c, minusOneGain))
  }
  return qrels
}
