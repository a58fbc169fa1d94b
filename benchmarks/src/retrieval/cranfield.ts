import type { Dataset } from '@frugal/datasets'
import { mean, mrrAt, ndcgAt, type RetrievalIndex, recallAt, type SearchRequest } from '@frugal/retrieval'

/** One retrieval method of the suite: a name and the request settings it searches with. */
export interface RetrievalMethod {
  name: string
  family: string
  request: Omit<SearchRequest, 'query' | 'k'>
  /** Files of the index set the method reads (their bytes are its artifact size). */
  files: string[]
}

/** The methods of the Cranfield suite: BM25, dense LSA at four prefix lengths, and RRF hybrids. */
export function cranfieldMethods(): RetrievalMethod[] {
  const dense = ['embedder.bin', 'dense.ann']
  return [
    { name: 'bm25', family: 'lexical', request: { mode: 'lexical' }, files: ['lexical.json'] },
    ...[32, 64, 128, 256].map((d) => ({
      name: `lsa-d${d}`,
      family: 'dense',
      request: { mode: 'dense' as const, scanDims: d },
      files: dense,
    })),
    ...[64, 256].map((d) => ({
      name: `hybrid-rrf-d${d}`,
      family: 'hybrid',
      request: { mode: 'hybrid' as const, scanDims: d },
      files: [...dense, 'lexical.json'],
    })),
  ]
}

/** Mean nDCG@10, Recall@100 and MRR@10 of a method over every judged query. */
export async function evaluate(
  index: RetrievalIndex,
  data: Dataset,
  request: RetrievalMethod['request'],
): Promise<{ ndcg_at_10: number; recall_at_100: number; mrr_at_10: number }> {
  const ndcg: number[] = []
  const recall: number[] = []
  const mrr: number[] = []
  for (const q of data.queries) {
    const judged = data.qrels.get(q.id)
    if (judged === undefined) continue
    const res = await index.search({ ...request, query: q.text, k: 100, snippetChars: 0 })
    const ranking = res.hits.map((h) => h.id)
    ndcg.push(ndcgAt(ranking, judged, 10))
    recall.push(recallAt(ranking, judged, 100))
    mrr.push(mrrAt(ranking, judged, 10))
  }
  return { ndcg_at_10: mean(ndcg), recall_at_100: mean(recall), mrr_at_10: mean(mrr) }
}
