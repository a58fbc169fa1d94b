import type { Direction } from './metrics.ts'

/** A point of a two-metric trade-off. */
export interface TradeoffPoint {
  x: number
  y: number
}

const better = (a: number, b: number, d: Direction): boolean => (d === 'higher' ? a > b : a < b)
const noWorse = (a: number, b: number, d: Direction): boolean => (d === 'higher' ? a >= b : a <= b)

/**
 * Indices of the points on the Pareto frontier: no other point is at least as good on both axes and
 * strictly better on one. Duplicated points are all kept. O(n log n): sort by x from best to worst,
 * then keep each point whose y beats every y seen before it.
 * @param xDir whether a larger x is better
 * @param yDir whether a larger y is better
 */
export function paretoFrontier(points: readonly TradeoffPoint[], xDir: Direction, yDir: Direction): number[] {
  const order = points
    .map((_, i) => i)
    .sort((a, b) => {
      const pa = points[a]!
      const pb = points[b]!
      if (pa.x !== pb.x) return better(pa.x, pb.x, xDir) ? -1 : 1
      if (pa.y !== pb.y) return better(pa.y, pb.y, yDir) ? -1 : 1
      return a - b
    })
  const frontier: number[] = []
  let bestY: number | undefined
  let bestX: number | undefined
  for (const i of order) {
    const p = points[i]!
    if (bestY === undefined || better(p.y, bestY, yDir)) {
      frontier.push(i)
      bestY = p.y
      bestX = p.x
    } else if (p.y === bestY && p.x === bestX) {
      frontier.push(i) // an exact duplicate of a frontier point is not dominated
    }
  }
  return frontier.sort((a, b) => a - b)
}

/** True when `a` dominates `b`: no worse on both axes and strictly better on one. */
export function dominates(a: TradeoffPoint, b: TradeoffPoint, xDir: Direction, yDir: Direction): boolean {
  return (
    noWorse(a.x, b.x, xDir) && noWorse(a.y, b.y, yDir) && (better(a.x, b.x, xDir) || better(a.y, b.y, yDir))
  )
}
