import type { FactWorld } from './facts.ts'

/**
 * The files of a fact world in BEIR layout plus `answers.jsonl` and `entities.jsonl`, as strings
 * keyed by relative path (runtime-neutral; `writeFactWorld` in `@frugal/synth/node` writes them).
 */
export function factWorldFiles(world: FactWorld): Record<string, string> {
  const lines = (rows: unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('')
  return {
    'corpus.jsonl': lines(world.documents.map((d) => ({ _id: d.id, title: d.title, text: d.text }))),
    'queries.jsonl': lines(world.questions.map((q) => ({ _id: q.id, text: q.text }))),
    'qrels/test.tsv': `query-id\tcorpus-id\tscore\n${world.questions.flatMap((q) => q.docs.map((d) => `${q.id}\t${d}\t1\n`)).join('')}`,
    'answers.jsonl': lines(
      world.questions.map((q) => ({
        query_id: q.id,
        type: q.type,
        answers: q.answers,
        spans: q.spans.map((s) => ({ doc_id: s.docId, start: s.start, end: s.end })),
        docs: q.docs,
      })),
    ),
    'entities.jsonl': lines(world.entities),
  }
}
