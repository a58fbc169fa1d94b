/** Graded judgements of one query: document id → gain (> 0 relevant). */
export type Judgements = ReadonlyMap<string, number>

/**
 * nDCG@k with linear gains (`gain / log2(rank + 1)`), as trec_eval's `ndcg_cut` and BEIR
 * compute it; the ideal ranking uses every judged document. 0 when nothing is relevant.
 */
export function ndcgAt(ranking: readonly string[], judged: Judgements, k: number): number {
  let dcg = 0
  ranking.slice(0, k).forEach((id, i) => {
    const gain = judged.get(id) ?? 0
    if (gain > 0) dcg += gain / Math.log2(i + 2)
  })
  const ideal = [...judged.values()]
    .filter((g) => g > 0)
    .sort((a, b) => b - a)
    .slice(0, k)
  let idcg = 0
  ideal.forEach((gain, i) => {
    idcg += gain / Math.log2(i + 2)
  })
  return idcg === 0 ? 0 : dcg / idcg
}

/** Recall@k: relevant documents (gain > 0) in the top k over all relevant ones; 0 when none. */
export function recallAt(ranking: readonly string[], judged: Judgements, k: number): number {
  let relevant = 0
  for (const gain of judged.values()) if (gain > 0) relevant++
  if (relevant === 0) return 0
  let found = 0
  for (const id of ranking.slice(0, k)) if ((judged.get(id) ?? 0) > 0) found++
  return found / relevant
}

/** MRR@k: 1 / rank of the first relevant document within the top k, else 0. */
export function mrrAt(ranking: readonly string[], judged: Judgements, k: number): number {
  const i = ranking.slice(0, k).findIndex((id) => (judged.get(id) ?? 0) > 0)
  return i === -1 ? 0 : 1 / (i + 1)
}

/** Mean of per-query values (0 for none). */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length
}
