/** A metric as the browser sees it. */
export interface ClientMetric {
  key: string
  label: string
  unit: string
  direction: 'higher' | 'lower'
  digits: number
}

/**
 * Scores `value` in (0, 1] against every value of the same metric in the ranking, so that 1 is the
 * best run and larger is better on every axis (Pentathlon-style radar): `v / max` when higher is
 * better, `min / v` when lower is better.
 */
export function normalise(value: number, all: readonly number[], direction: 'higher' | 'lower'): number {
  if (all.length === 0) return 0
  if (direction === 'higher') {
    const max = Math.max(...all)
    return max > 0 ? Math.max(0, value / max) : 1
  }
  const min = Math.min(...all)
  if (value <= 0) return 1
  return Math.max(0, Math.min(1, min / value))
}
