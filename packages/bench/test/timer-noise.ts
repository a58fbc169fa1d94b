import { percentile } from '../src/stats.ts'

// How late timers fire on this machine right now: the scheduling noise that any wall-clock
// measurement on it carries. Tests of timing use it to tell a harness error from a busy machine.

/** Samples how late `setTimeout(5)` fires while `work` runs: the median and 90th percentile lateness in ms. */
export async function timerLatenessWhile<T>(
  work: Promise<T>,
): Promise<{ value: T; latenessMs: number; latenessP90Ms: number }> {
  let done = false
  const late: number[] = []
  const probe = (async () => {
    while (!done) {
      const t = performance.now()
      await new Promise((resolve) => setTimeout(resolve, 5))
      late.push(Math.max(0, performance.now() - t - 5))
    }
  })()
  try {
    const value = await work
    return { value, latenessMs: atPercentile(late, 50), latenessP90Ms: atPercentile(late, 90) }
  } finally {
    done = true
    await probe
  }
}

/** The nearest-rank `p`th percentile of the samples (0 with none). */
function atPercentile(values: number[], p: number): number {
  return values.length === 0
    ? 0
    : percentile(
        [...values].sort((a, b) => a - b),
        p,
      )
}
