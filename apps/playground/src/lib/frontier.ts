/** A tuned point of an index: a setting, its recall@k on held-out queries and its mean FLOPs. */
export interface FrontierPoint {
  settings: Record<string, number>
  recall: number
  k: number
  flops: number
}

/** The tuned frontier ordered by cost (cheapest first). */
export function byCost(points: readonly FrontierPoint[]): FrontierPoint[] {
  return [...points].sort((a, b) => a.flops - b.flops || a.recall - b.recall)
}

/**
 * The tuned point a search ran with: the one whose every setting the search used equals the
 * search's own (`scanDims`, `nprobe`, ... as the API reports them), or `undefined` for a setting
 * that was not tuned (its recall is unknown).
 */
export function pointOf(
  points: readonly FrontierPoint[],
  settings: Record<string, unknown>,
): FrontierPoint | undefined {
  return points.find((p) => {
    const keys = Object.keys(p.settings)
    return keys.length > 0 && keys.every((key) => settings[key] === p.settings[key])
  })
}

/** FLOPs range the budget slider covers: the cheapest to the dearest tuned point. */
export function budgetRange(points: readonly FrontierPoint[]): [number, number] | undefined {
  if (points.length === 0) return undefined
  const flops = points.map((p) => p.flops).filter((f) => f > 0)
  if (flops.length === 0) return undefined
  return [Math.min(...flops), Math.max(...flops)]
}

/** Slider position 0..1000 → FLOPs on a log scale over `range` (rounded to a whole FLOP). */
export function budgetAt(position: number, [lo, hi]: [number, number]): number {
  const t = Math.min(1, Math.max(0, position / 1000))
  return Math.round(Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))))
}

/** FLOPs → slider position 0..1000 (inverse of {@link budgetAt}). */
export function budgetPosition(flops: number, [lo, hi]: [number, number]): number {
  if (hi <= lo) return 1000
  const t = (Math.log(flops) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))
  return Math.round(Math.min(1, Math.max(0, t)) * 1000)
}

/** FLOPs for people: 1234567 → "1.23 M". */
export function formatFlops(flops: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ]
  for (const [scale, unit] of units) {
    if (flops >= scale) return `${(flops / scale).toPrecision(3)} ${unit}`
  }
  return String(Math.round(flops))
}
