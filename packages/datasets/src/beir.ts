import { DatasetError } from './errors.ts'
import type { Document, LineSource, Qrels, Query } from './types.ts'

/**
 * Parses a BEIR `corpus.jsonl` line by line: `{"_id": ..., "title": ..., "text": ...}`.
 * `title` may be missing or empty; `_id` and `text` are required.
 * @param file name used in error messages
 */
export async function* parseBeirCorpus(source: LineSource, file = 'corpus.jsonl'): AsyncGenerator<Document> {
  let line = 0
  for await (const raw of source) {
    line++
    if (raw.trim() === '') continue
    const row = parseJsonObject(raw, file, line)
    const id = idField(row, '_id', file, line)
    const text = stringField(row, 'text', file, line)
    const title =
      row['title'] === undefined || row['title'] === null ? '' : stringField(row, 'title', file, line)
    yield { id, title, text }
  }
}

/** Parses a BEIR `queries.jsonl`: `{"_id": ..., "text": ...}` per line. */
export async function* parseBeirQueries(source: LineSource, file = 'queries.jsonl'): AsyncGenerator<Query> {
  let line = 0
  for await (const raw of source) {
    line++
    if (raw.trim() === '') continue
    const row = parseJsonObject(raw, file, line)
    yield { id: idField(row, '_id', file, line), text: stringField(row, 'text', file, line) }
  }
}

/**
 * Parses BEIR `qrels/<split>.tsv`: a header `query-id corpus-id score`, then one
 * tab-separated judgement per line. Scores must be integers.
 */
export async function parseBeirQrels(source: LineSource, file = 'qrels/test.tsv'): Promise<Qrels> {
  const qrels: Qrels = new Map()
  let line = 0
  for await (const raw of source) {
    line++
    if (raw.trim() === '') continue
    const cols = raw.split('\t')
    if (line === 1 && cols[0]?.trim() === 'query-id') continue
    if (cols.length < 3) {
      throw new DatasetError('PARSE_ERROR', `expected 3 tab-separated columns, got ${cols.length}`, {
        file,
        line,
      })
    }
    const [qid, docId, scoreText] = cols.map((c) => c.trim()) as [string, string, string]
    const score = Number(scoreText)
    if (qid === '' || docId === '' || !/^-?\d+$/.test(scoreText)) {
      throw new DatasetError('PARSE_ERROR', `bad judgement ${JSON.stringify(raw)}`, { file, line })
    }
    let judged = qrels.get(qid)
    if (judged === undefined) {
      judged = new Map()
      qrels.set(qid, judged)
    }
    judged.set(docId, score)
  }
  return qrels
}

function parseJsonObject(raw: string, file: string, line: number): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch (cause) {
    throw new DatasetError('PARSE_ERROR', `invalid JSON (${(cause as Error).message})`, { file, line, cause })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DatasetError('PARSE_ERROR', 'expected a JSON object', { file, line })
  }
  return value as Record<string, unknown>
}

function idField(row: Record<string, unknown>, name: string, file: string, line: number): string {
  const value = row[name]
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value !== 'string' || value === '') {
    throw new DatasetError('MISSING_FIELD', `"${name}" must be a non-empty string`, { file, line })
  }
  return value
}

function stringField(row: Record<string, unknown>, name: string, file: string, line: number): string {
  const value = row[name]
  if (typeof value !== 'string') {
    throw new DatasetError('MISSING_FIELD', `"${name}" must be a string`, { file, line })
  }
  return value
}
