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
    return { value, latenessMs: quantile(late, 0.5), latenessP90Ms: quantile(late, 0.9) }
  } finally {
    done = true
    await probe
  }
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!
}
