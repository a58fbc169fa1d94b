import { Presets, SingleBar } from 'cli-progress'

/** A progress bar for long CLI work; silent when stderr is not a terminal or `quiet` is set. */
export interface Progress {
  /** Sets the bar to `done` of `total` (the total may change as work is discovered). */
  update(done: number, total?: number): void
  stop(): void
}

/**
 * Starts a progress bar on stderr, so that stdout stays clean for results.
 * @example
 * const bar = createProgress('k-means', 25)
 * trainKmeans(data, { onProgress: (i, n) => bar.update(i, n) })
 * bar.stop()
 */
export function createProgress(label: string, total: number, options: { quiet?: boolean } = {}): Progress {
  if (options.quiet || !process.stderr.isTTY) {
    return { update() {}, stop() {} }
  }
  const bar = new SingleBar(
    {
      format: `${label.padEnd(14)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  )
  bar.start(total, 0)
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal)
      bar.update(done)
    },
    stop() {
      bar.stop()
    },
  }
}
