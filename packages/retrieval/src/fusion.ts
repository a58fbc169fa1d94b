/** One ranked list for fusion: rows best first, with its weight. */
export interface RankedList {
  rows: Int32Array
  weight: number
}

/**
 * Weighted reciprocal-rank fusion (Cormack, Clarke & Büttcher 2009):
 * `score(d) = Σ_m w_m / (k + rank_m(d))`, ranks 1-based; documents missing from a list get
 * nothing from it. Ties are broken by the better best rank, then by row.
 * @example
 * reciprocalRankFusion([{ rows: dense, weight: 1 }, { rows: bm25, weight: 1 }], 60, 10)
 */
export function reciprocalRankFusion(
  lists: readonly RankedList[],
  k: number,
  limit: number,
): { rows: Int32Array; scores: Float32Array } {
  const score = new Map<number, number>()
  const best = new Map<number, number>()
  for (const { rows, weight } of lists) {
    rows.forEach((row, i) => {
      score.set(row, (score.get(row) ?? 0) + weight / (k + i + 1))
      best.set(row, Math.min(best.get(row) ?? Number.POSITIVE_INFINITY, i))
    })
  }
  const ranked = [...score.entries()].sort(
    (a, b) => b[1] - a[1] || best.get(a[0])! - best.get(b[0])! || a[0] - b[0],
  )
  const top = ranked.slice(0, limit)
  return { rows: Int32Array.from(top, ([row]) => row), scores: Float32Array.from(top, ([, s]) => s) }
}
