import { describe, expect, it } from 'vitest'
import { reciprocalRankFusion } from './fusion.ts'
import { mean, mrrAt, ndcgAt, recallAt } from './metrics.ts'

describe('IR metrics', () => {
  const judged = new Map([
    ['a', 3],
    ['b', 1],
    ['c', 2],
    ['z', 0],
  ])

  it('computes nDCG@k with linear gains against hand-computed values', () => {
    // ranking: x, a, z, c  → DCG = 3/log2(3) + 2/log2(5)
    const dcg = 3 / Math.log2(3) + 2 / Math.log2(5)
    const idcg = 3 + 2 / Math.log2(3) + 1 / 2
    expect(ndcgAt(['x', 'a', 'z', 'c'], judged, 10)).toBeCloseTo(dcg / idcg, 12)
    // Cut at 2: only 'a' at rank 2 counts; ideal is 3, 2.
    expect(ndcgAt(['x', 'a', 'z', 'c'], judged, 2)).toBeCloseTo(3 / Math.log2(3) / (3 + 2 / Math.log2(3)), 12)
    expect(ndcgAt(['a', 'c', 'b'], judged, 10)).toBeCloseTo(1, 12)
    expect(ndcgAt(['a'], new Map([['q', 0]]), 10)).toBe(0)
  })

  it('computes Recall@k and MRR@k', () => {
    expect(recallAt(['x', 'a', 'z', 'c'], judged, 100)).toBeCloseTo(2 / 3, 12)
    expect(recallAt(['x', 'a', 'z', 'c'], judged, 1)).toBe(0)
    expect(mrrAt(['x', 'z', 'c', 'a'], judged, 10)).toBeCloseTo(1 / 3, 12)
    expect(mrrAt(['x', 'z', 'c'], judged, 2)).toBe(0)
    expect(mean([1, 0, 0.5])).toBeCloseTo(0.5, 12)
    expect(mean([])).toBe(0)
  })
})

describe('reciprocalRankFusion', () => {
  it('sums weighted 1/(k + rank) and ranks by it', () => {
    const fused = reciprocalRankFusion(
      [
        { rows: Int32Array.from([1, 2, 3]), weight: 1 },
        { rows: Int32Array.from([3, 1, 4]), weight: 2 },
      ],
      10,
      10,
    )
    // 1: 1/11 + 2/12; 3: 1/13 + 2/11; 2: 1/12; 4: 2/13
    expect([...fused.rows]).toEqual([3, 1, 4, 2])
    expect(fused.scores[0]).toBeCloseTo(1 / 13 + 2 / 11, 6)
    expect(fused.scores[1]).toBeCloseTo(1 / 11 + 2 / 12, 6)
    expect([...reciprocalRankFusion([{ rows: Int32Array.from([5, 6]), weight: 1 }], 60, 1).rows]).toEqual([5])
  })
})
