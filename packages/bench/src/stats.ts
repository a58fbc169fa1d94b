/**
 * The nearest-rank percentile of an ascending array: the smallest value with at least `p` percent
 * of the samples at or below it (what MLPerf LoadGen reports). No interpolation, so every reported
 * value is a latency that was actually observed.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no samples')
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

/** Latency summary in milliseconds. */
export interface LatencySummary {
  p50: number
  p90: number
  p99: number
  mean: number
  min: number
  max: number
  count: number
}

/** Summarises latency samples (milliseconds) with an exact sort. */
export function summarizeLatency(samplesMs: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort()
  let sum = 0
  for (const v of sorted) sum += v
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    mean: sum / sorted.length,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    count: sorted.length,
  }
}

/**
 * The one-sample Kolmogorov-Smirnov statistic D of `samples` against the exponential
 * distribution with rate `rate` (CDF 1 - e^(-rate x)).
 */
export function ksStatisticExponential(samples: ArrayLike<number>, rate: number): number {
  const sorted = Float64Array.from(samples).sort()
  const n = sorted.length
  let d = 0
  for (let i = 0; i < n; i++) {
    const cdf = 1 - Math.exp(-rate * sorted[i]!)
    d = Math.max(d, (i + 1) / n - cdf, cdf - i / n)
  }
  return d
}

/** The asymptotic KS critical value at significance `alpha` for `n` samples: sqrt(-ln(alpha/2)/2) / sqrt(n). */
export function ksCriticalValue(n: number, alpha: number): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2) / Math.sqrt(n)
}
