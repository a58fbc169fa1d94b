import { describe, expect, it } from 'vitest'
import { RetrievalError } from './errors.ts'
import { convexFusion, fuse, LEGACY_FUSION, reciprocalRankFusion, resolveFusion } from './fusion.ts'
import type { IndexSetFusion } from './types.ts'

const list = (rows: number[], scores: number[], weight = 1) => ({
  rows: Int32Array.from(rows),
  scores: Float32Array.from(scores),
  weight,
})

const CALIBRATED: IndexSetFusion = {
  method: 'convex',
  k: 60,
  denseWeight: 0.2,
  lexicalWeight: 0.8,
  calibration: {
    generator: 'inverse-cloze-v1',
    queries: 400,
    seed: 1,
    depth: 100,
    ndcg: { dense: 0.3, lexical: 0.5, rrf: 0.45, fused: 0.52 },
  },
}

describe('convex fusion', () => {
  it('combines min-max normalised scores with the weights, against hand-computed values', () => {
    // dense: 7 → 1, 3 → (0.5-0.2)/0.7 = 3/7, 5 → 0; lexical: 3 → 1, 9 → 0.5, 7 → 0
    const fused = convexFusion([list([7, 3, 5], [0.9, 0.5, 0.2], 1), list([3, 9, 7], [10, 6, 2], 3)], 10)
    expect(Array.from(fused.rows)).toEqual([3, 9, 7, 5])
    const expected = [(1 * 3) / 7 / 4 + 3 / 4, 1.5 / 4, 1 / 4, 0]
    fused.scores.forEach((s, i) => {
      expect(s).toBeCloseTo(expected[i]!, 6)
    })
    expect(
      convexFusion([list([7, 3, 5], [0.9, 0.5, 0.2], 1), list([3, 9, 7], [10, 6, 2], 3)], 2).rows,
    ).toEqual(Int32Array.from([3, 9]))
  })

  it('maps the first hit of a list to 1 whatever the direction of its scores, and an even list to 1', () => {
    // An L2 distance list (smaller is better, listed best first) normalises like a similarity.
    const distances = convexFusion([list([4, 2, 8], [0.1, 0.4, 0.7])], 3)
    expect(Array.from(distances.rows)).toEqual([4, 2, 8])
    ;[1, 0.5, 0].forEach((x, i) => {
      expect(distances.scores[i]).toBeCloseTo(x, 6)
    })
    // Its share of the weight is 1/2 also when the other list came back empty.
    const even = convexFusion([list([1, 2], [3, 3]), list([], [])], 2)
    expect(Array.from(even.scores)).toEqual([0.5, 0.5])
    // Equal fused scores fall back to the better best rank, then the row.
    expect(Array.from(convexFusion([list([5], [1]), list([6], [1])], 2).rows)).toEqual([5, 6])
  })

  it('with one weight at 0 ranks exactly like the other side', () => {
    const dense = list([1, 2, 3, 4], [0.9, 0.8, 0.7, 0.1])
    const lexical = list([4, 3, 9], [12, 5, 1])
    for (const method of ['rrf', 'convex'] as const) {
      const lexOnly = fuse(dense, lexical, { method, k: 60, denseWeight: 0, lexicalWeight: 1 }, 3)
      expect(Array.from(lexOnly.rows), method).toEqual([4, 3, 9])
      const denseOnly = fuse(dense, lexical, { method, k: 60, denseWeight: 1, lexicalWeight: 0 }, 3)
      expect(Array.from(denseOnly.rows), method).toEqual([1, 2, 3])
    }
  })

  it('runs equal-weight RRF for the legacy setting', () => {
    const dense = list([1, 2, 3], [0.9, 0.8, 0.7])
    const lexical = list([3, 1], [5, 4])
    expect(fuse(dense, lexical, LEGACY_FUSION, 3)).toEqual(
      reciprocalRankFusion(
        [dense, lexical].map(({ rows }) => ({ rows, weight: 1 })),
        60,
        3,
      ),
    )
  })
})

describe('resolving the fusion of a search', () => {
  it('uses equal-weight RRF with k = 60 for a set without a calibrated fusion', () => {
    expect(resolveFusion(undefined, undefined, 10)).toEqual({
      method: 'rrf',
      k: 60,
      denseWeight: 1,
      lexicalWeight: 1,
      depth: 100,
    })
    expect(resolveFusion({ depth: 20 }, undefined, 200).depth).toBe(20)
    expect(resolveFusion(undefined, undefined, 200).depth).toBe(200)
  })

  it("uses the set's calibrated fusion, with request fields over it", () => {
    expect(resolveFusion(undefined, CALIBRATED, 10)).toEqual({
      method: 'convex',
      k: 60,
      denseWeight: 0.2,
      lexicalWeight: 0.8,
      depth: 100,
    })
    expect(resolveFusion({ denseWeight: 0.5 }, CALIBRATED, 10)).toMatchObject({
      method: 'convex',
      denseWeight: 0.5,
      lexicalWeight: 0.8,
    })
    // Another method starts from its own defaults: calibrated convex weights mean nothing to RRF.
    expect(resolveFusion({ method: 'rrf' }, CALIBRATED, 10)).toEqual({ ...LEGACY_FUSION, depth: 100 })
    expect(resolveFusion({ method: 'rrf', k: 10, lexicalWeight: 2 }, CALIBRATED, 10)).toMatchObject({
      method: 'rrf',
      k: 10,
      denseWeight: 1,
      lexicalWeight: 2,
    })
  })

  it('refuses bad fusion fields, naming them', () => {
    const cases: [unknown, string][] = [
      ['convex', 'fusion'],
      [[1], 'fusion'],
      [{ method: 'linear' }, 'fusion.method'],
      [{ denseWeight: -0.1 }, 'fusion.denseWeight'],
      [{ lexicalWeight: Number.NaN }, 'fusion.lexicalWeight'],
      [{ lexicalWeight: '1' }, 'fusion.lexicalWeight'],
      [{ denseWeight: 0, lexicalWeight: 0 }, 'fusion.lexicalWeight'],
      [{ k: -1 }, 'fusion.k'],
      [{ k: Number.POSITIVE_INFINITY }, 'fusion.k'],
      [{ depth: 0 }, 'fusion.depth'],
      [{ depth: 1.5 }, 'fusion.depth'],
      [{ depth: 10_001 }, 'fusion.depth'],
    ]
    for (const [value, field] of cases) {
      let error: unknown
      try {
        resolveFusion(value as never, CALIBRATED, 10)
      } catch (e) {
        error = e
      }
      expect(error, JSON.stringify(value)).toBeInstanceOf(RetrievalError)
      expect(error).toMatchObject({ code: 'INVALID_QUERY', field })
    }
  })
})
