import { Presets, SingleBar } from 'cli-progress'

/** A progress bar on stderr (stdout stays for the report); plain start/end lines when not a TTY. */
export interface Progress {
  update(done: number, total?: number): void
  stop(): void
}

export function createProgress(label: string, total: number, quiet = false): Progress {
  const started = performance.now()
  if (quiet) return { update() {}, stop() {} }
  if (!process.stderr.isTTY) {
    process.stderr.write(`${label} ...\n`)
    return {
      update() {},
      stop() {
        process.stderr.write(`${label}: done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
      },
    }
  }
  const bar = new SingleBar(
    {
      format: `${label.padEnd(28).slice(0, 28)} [{bar}] {percentage}% | {value}/{total} | {duration_formatted} | ETA {eta_formatted}`,
      stream: process.stderr,
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
