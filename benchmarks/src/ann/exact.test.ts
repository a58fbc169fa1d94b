import { describe, expect, it } from 'vitest'
import { exactKnn, recallAtK, TopK } from './exact.ts'
import { DataRng } from './prng.ts'

function naiveKnn(
  base: Float32Array,
  q: Float32Array,
  dim: number,
  k: number,
  metric: 'ip' | 'l2',
): number[] {
  const n = base.length / dim
  const scored: [number, number][] = []
  for (let r = 0; r < n; r++) {
    let s = 0
    for (let i = 0; i < dim; i++) {
      const x = base[r * dim + i]!
      const y = q[i]!
      s += metric === 'ip' ? x * y : -((x - y) * (x - y))
    }
    scored.push([r, s])
  }
  scored.sort((a, b) => b[1] - a[1])
  return scored.slice(0, k).map(([r]) => r)
}

function randomSet(rows: number, dim: number, seed: number): Float32Array {
  const rng = new DataRng(seed)
  return Float32Array.from({ length: rows * dim }, () => rng.normal())
}

describe('exactKnn', () => {
  it.each(['ip', 'l2'] as const)('equals a naive scan-and-sort for %s', (metric) => {
    const dim = 13
    const base = randomSet(500, dim, 1)
    const queries = randomSet(7, dim, 2)
    const got = exactKnn(base, queries, dim, 5, metric)
    for (let qi = 0; qi < 7; qi++) {
      const want = naiveKnn(base, queries.subarray(qi * dim, (qi + 1) * dim), dim, 5, metric)
      expect(Array.from(got.subarray(qi * 5, qi * 5 + 5))).toEqual(want)
    }
  })

  it('ranks cosine by the angle, not the length', () => {
    const base = new Float32Array([10, 0, 0.9, 0.1])
    const queries = new Float32Array([1, 0.2])
    expect(Array.from(exactKnn(base, queries, 2, 2, 'cosine'))).toEqual([1, 0])
    expect(Array.from(exactKnn(base, queries, 2, 2, 'ip'))).toEqual([0, 1])
  })
})

describe('TopK', () => {
  it('keeps the k best in order', () => {
    const top = new TopK(3)
    for (const [id, s] of [
      [0, 0.5],
      [1, 0.9],
      [2, 0.1],
      [3, 0.7],
      [4, 0.95],
    ] as const)
      top.push(id, s)
    expect(Array.from(top.ids)).toEqual([4, 1, 3])
    expect(top.worst()).toBe(0.7)
  })
})

describe('recallAtK', () => {
  it('counts the overlap with the first k truth ids per query', () => {
    const truth = new Int32Array([1, 2, 3, 9, 4, 5, 6, 9])
    expect(
      recallAtK(
        [
          [3, 2, 1],
          [7, 8, 4],
        ],
        truth,
        4,
        3,
      ),
    ).toBeCloseTo(4 / 6)
  })
})
