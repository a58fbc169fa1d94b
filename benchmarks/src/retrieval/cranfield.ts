import type { Dataset } from '@frugal/datasets'
import {
  LEGACY_FUSION,
  mean,
  mrrAt,
  ndcgAt,
  type RetrievalIndex,
  recallAt,
  type SearchRequest,
} from '@frugal/retrieval'

/** One retrieval method of the suite: a name and the request settings it searches with. */
export interface RetrievalMethod {
  name: string
  family: string
  request: Omit<SearchRequest, 'query' | 'k'>
  /** Files of the index set the method reads (their bytes are its artifact size). */
  files: string[]
}

const DENSE_FILES = ['embedder.bin', 'dense.ann']

/**
 * The four methods every collection runs: BM25, dense LSA at full dims, the old hybrid
 * (equal-weight RRF, k = 60, what sets without a calibrated fusion run) and the hybrid with
 * the set's calibrated fusion. `dims` is the set's embedding dims.
 */
export function fusionMethods(dims: number): RetrievalMethod[] {
  const hybridFiles = [...DENSE_FILES, 'lexical.json']
  return [
    { name: 'bm25', family: 'lexical', request: { mode: 'lexical' }, files: ['lexical.json'] },
    {
      name: `lsa-d${dims}`,
      family: 'dense',
      request: { mode: 'dense', scanDims: dims },
      files: DENSE_FILES,
    },
    {
      name: `hybrid-rrf-d${dims}`,
      family: 'hybrid',
      request: { mode: 'hybrid', scanDims: dims, fusion: { ...LEGACY_FUSION } },
      files: hybridFiles,
    },
    {
      name: `hybrid-calibrated-d${dims}`,
      family: 'hybrid',
      request: { mode: 'hybrid', scanDims: dims },
      files: hybridFiles,
    },
  ]
}

/** The Cranfield suite: the four fusion methods, dense LSA at three shorter prefixes and RRF at 64 dims. */
export function cranfieldMethods(): RetrievalMethod[] {
  return [
    ...fusionMethods(256),
    ...[32, 64, 128].map((d) => ({
      name: `lsa-d${d}`,
      family: 'dense',
      request: { mode: 'dense' as const, scanDims: d },
      files: DENSE_FILES,
    })),
    {
      name: 'hybrid-rrf-d64',
      family: 'hybrid',
      request: { mode: 'hybrid', scanDims: 64, fusion: { ...LEGACY_FUSION } },
      files: [...DENSE_FILES, 'lexical.json'],
    },
  ]
}

/** Mean nDCG@10, Recall@100 and MRR@10 of a method over every judged query, and nDCG@10 per query. */
export async function evaluate(
  index: RetrievalIndex,
  data: Dataset,
  request: RetrievalMethod['request'],
): Promise<{ ndcg_at_10: number; recall_at_100: number; mrr_at_10: number; perQuery: number[] }> {
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
  return { ndcg_at_10: mean(ndcg), recall_at_100: mean(recall), mrr_at_10: mean(mrr), perQuery: ndcg }
}
