import { Presets, SingleBar } from 'cli-progress'

/** A progress bar for long work, drawn on stderr so that stdout stays clean for results. */
export interface Progress {
  /** Sets the bar to `done` of `total` (the total may change as work is discovered). */
  update(done: number, total?: number): void
  stop(): void
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Draw nothing at all. */
  quiet?: boolean
  /**
   * When the stream is not a terminal, write a start line and an end line with the elapsed time
   * (for logs of long runs); default false: silent.
   */
  lines?: boolean
  /** Width the label is padded to (a longer label is kept whole); default 14. */
  labelWidth?: number
  /** Where to draw; default `process.stderr`. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean }
}

/**
 * Starts a progress bar (cli-progress) on a terminal; see {@link ProgressOptions} for logs.
 * @example
 * const bar = createProgress('k-means', 25)
 * trainKmeans(data, { onProgress: (i, n) => bar.update(i, n) })
 * bar.stop()
 */
export function createProgress(label: string, total: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr
  if (options.quiet) return { update() {}, stop() {} }
  if (!stream.isTTY) {
    if (!options.lines) return { update() {}, stop() {} }
    const started = performance.now()
    stream.write(`${label} ...\n`)
    return {
      update() {},
      stop() {
        stream.write(`${label}: done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
      },
    }
  }
  const width = options.labelWidth ?? 14
  const bar = new SingleBar(
    {
      format: `${label.padEnd(width)} [{bar}] {percentage}% | {value}/{total} | {duration_formatted} | ETA {eta_formatted}`,
      stream,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  )
  bar.start(total, 0)
  return {
    update(done, newTotal) {
      if (newTotal !== undefined && newTotal !== bar.getTotal()) bar.setTotal(newTotal)
      bar.update(done)
    },
    stop() {
      bar.stop()
    },
  }
}
