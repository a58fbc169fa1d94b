import { describe, expect, it } from 'vitest'
import { dominates, paretoFrontier, type TradeoffPoint } from './pareto.ts'

/** The definition, checked pair by pair. */
function naiveFrontier(
  points: TradeoffPoint[],
  xDir: 'higher' | 'lower',
  yDir: 'higher' | 'lower',
): number[] {
  return points
    .map((_, i) => i)
    .filter((i) => !points.some((q, j) => j !== i && dominates(q, points[i]!, xDir, yDir)))
}

describe('paretoFrontier', () => {
  it('keeps the points no other point beats on both recall and QPS', () => {
    const points = [
      { x: 100, y: 0.9 }, // frontier
      { x: 50, y: 0.95 }, // frontier
      { x: 40, y: 0.94 }, // dominated by the one above
      { x: 200, y: 0.5 }, // frontier
      { x: 90, y: 0.8 }, // dominated by the first
    ]
    expect(paretoFrontier(points, 'higher', 'higher')).toEqual([0, 1, 3])
  })

  it('treats lower latency as better when asked to', () => {
    const points = [
      { x: 5, y: 0.9 },
      { x: 2, y: 0.7 },
      { x: 6, y: 0.85 },
    ]
    expect(paretoFrontier(points, 'lower', 'higher')).toEqual([0, 1])
  })

  it('keeps exact duplicates of a frontier point and drops ties that are worse on the other axis', () => {
    const points = [
      { x: 10, y: 1 },
      { x: 10, y: 1 },
      { x: 10, y: 0.5 },
    ]
    expect(paretoFrontier(points, 'higher', 'higher')).toEqual([0, 1])
  })

  it('matches the pairwise definition on random clouds', () => {
    let seed = 7
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    for (let trial = 0; trial < 50; trial++) {
      const points = Array.from({ length: 30 }, () => ({
        x: Math.round(rand() * 20),
        y: Math.round(rand() * 20),
      }))
      for (const [xd, yd] of [
        ['higher', 'higher'],
        ['lower', 'higher'],
        ['lower', 'lower'],
      ] as const) {
        expect(paretoFrontier(points, xd, yd)).toEqual(naiveFrontier(points, xd, yd))
      }
    }
  })

  it('returns nothing for no points', () => {
    expect(paretoFrontier([], 'higher', 'higher')).toEqual([])
  })
})

describe('paddedDomain', () => {
  it('widens a single value so the scatter can scale it, and leaves real ranges to Plot', async () => {
    const { paddedDomain } = await import('./scatter.ts')
    expect(paddedDomain([28.29], false)).toEqual([28.29 - 2.829, 28.29 + 2.829])
    expect(paddedDomain([113, 113], true)).toEqual([56.5, 226])
    expect(paddedDomain([0], false)).toEqual([-1, 1])
    expect(paddedDomain([1, 2], false)).toBeUndefined()
    expect(paddedDomain([], true)).toBeUndefined()
  })
})
