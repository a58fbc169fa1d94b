import { parseBeirCorpus, parseBeirQrels, parseBeirQueries } from './beir.ts'
import { DatasetError } from './errors.ts'
import { fileLines, join } from './files-node.ts'
import type { Dataset, Document, Query } from './types.ts'

/** Streams `<dir>/corpus.jsonl` document by document. */
export function readBeirCorpus(dir: string): AsyncGenerator<Document> {
  const file = join(dir, 'corpus.jsonl')
  return parseBeirCorpus(fileLines(file), file)
}

/** Streams `<dir>/queries.jsonl`. */
export function readBeirQueries(dir: string): AsyncGenerator<Query> {
  const file = join(dir, 'queries.jsonl')
  return parseBeirQueries(fileLines(file), file)
}

/**
 * Loads a BEIR-layout folder: `corpus.jsonl`, `queries.jsonl`, `qrels/<split>.tsv`.
 * Only queries that have judgements in the split are kept (as BEIR's evaluation does).
 * @example
 * const scifact = await loadBeir('../shared/datasets/scifact', { split: 'test' })
 */
export async function loadBeir(dir: string, options: { split?: string } = {}): Promise<Dataset> {
  const split = options.split ?? 'test'
  const qrelsFile = join(dir, 'qrels', `${split}.tsv`)
  const qrels = await parseBeirQrels(fileLines(qrelsFile), qrelsFile)
  const documents = await collect(readBeirCorpus(dir), join(dir, 'corpus.jsonl'))
  const queries: Query[] = []
  for await (const query of readBeirQueries(dir)) if (qrels.has(query.id)) queries.push(query)
  return { name: dir.split(/[\\/]/).filter(Boolean).pop() ?? dir, documents, queries, qrels }
}

/** Collects documents, refusing duplicate ids. */
export async function collect(source: AsyncIterable<Document>, file: string): Promise<Document[]> {
  const seen = new Set<string>()
  const out: Document[] = []
  for await (const doc of source) {
    if (seen.has(doc.id))
      throw new DatasetError('DUPLICATE_ID', `duplicate document id "${doc.id}"`, { file })
    seen.add(doc.id)
    out.push(doc)
  }
  return out
}
