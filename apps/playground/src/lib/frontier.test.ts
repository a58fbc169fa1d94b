import { describe, expect, it } from 'vitest'
import {
  budgetAt,
  budgetPosition,
  budgetRange,
  byCost,
  type FrontierPoint,
  formatFlops,
  pointOf,
} from './frontier.ts'

const points: FrontierPoint[] = [
  { settings: { scanDims: 16, nprobe: 4 }, recall: 1, k: 10, flops: 40_000 },
  { settings: { scanDims: 4, nprobe: 1 }, recall: 0.6, k: 10, flops: 1_000 },
  { settings: { scanDims: 8, nprobe: 2 }, recall: 0.85, k: 10, flops: 8_000 },
]

describe('frontier helpers', () => {
  it('orders points by cost', () => {
    expect(byCost(points).map((p) => p.flops)).toEqual([1_000, 8_000, 40_000])
  })

  it('finds the tuned point a search ran with, and none for an untuned setting', () => {
    expect(pointOf(points, { mode: 'dense', k: 10, scanDims: 8, nprobe: 2 })?.recall).toBe(0.85)
    expect(pointOf(points, { scanDims: 8, nprobe: 3 })).toBeUndefined()
    expect(pointOf([{ settings: {}, recall: 1, k: 10, flops: 5 }], { scanDims: 8 })).toBeUndefined()
  })

  it('maps the budget slider on a log scale and back', () => {
    const range = budgetRange(points)!
    expect(range).toEqual([1_000, 40_000])
    expect(budgetAt(0, range)).toBe(1_000)
    expect(budgetAt(1000, range)).toBe(40_000)
    expect(budgetAt(500, range)).toBe(Math.round(Math.sqrt(1_000 * 40_000)))
    expect(budgetPosition(budgetAt(321, range), range)).toBe(321)
    expect(budgetRange([])).toBeUndefined()
  })

  it('formats FLOPs with a unit', () => {
    expect(formatFlops(1_234_567)).toBe('1.23 M')
    expect(formatFlops(950)).toBe('950')
  })
})
