import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { createInterface } from 'node:readline'
import type { EnergyMethod } from './schema.ts'

/** Energy over a measured window, before division by the item count. */
export interface EnergyReading {
  joulesTotal: number
  energyMethod: EnergyMethod
  idleWatts?: number
  tdpWatts?: number
  tdpSource?: string
  detail: string
}

/** A way to measure the energy of a window. `end` receives the window's wall time and CPU seconds. */
export interface EnergyMeter {
  readonly method: EnergyMethod
  begin(): void
  end(wallS: number, cpuS: number | undefined): EnergyReading | undefined
  close(): void
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

interface RaplZone {
  path: string
  maxUj: number
}

/** Package zones of the powercap RAPL driver that this process may read (Intel and AMD). */
function raplZones(root = '/sys/class/powercap'): RaplZone[] {
  let names: string[]
  try {
    names = readdirSync(root)
  } catch {
    return []
  }
  const zones: RaplZone[] = []
  // Top-level zones only (intel-rapl:0, intel-rapl:1): sub-zones (intel-rapl:0:0) are inside them.
  for (const name of names.filter((n) => /^intel-rapl:\d+$/.test(n))) {
    try {
      const dir = `${root}/${name}`
      if (!readFileSync(`${dir}/name`, 'utf8').startsWith('package')) continue
      readFileSync(`${dir}/energy_uj`, 'utf8')
      zones.push({
        path: `${dir}/energy_uj`,
        maxUj: Number(readFileSync(`${dir}/max_energy_range_uj`, 'utf8')),
      })
    } catch {
      // energy_uj is root-only since Linux 5.10; an unreadable zone is not usable.
    }
  }
  return zones
}

/**
 * RAPL powercap counters summed over packages, read at the edges of the window and every second
 * in between so that a counter wrap (at max_energy_range_uj) is never missed; the idle power
 * measured before the run is subtracted.
 */
export class RaplMeter implements EnergyMeter {
  readonly method = 'rapl' as const
  readonly #zones: RaplZone[]
  readonly #idleWatts: number
  #last: number[] = []
  #accumulatedUj = 0
  #timer: ReturnType<typeof setInterval> | undefined

  /** Returns undefined when no readable package zone exists. `root` is for tests. */
  static create(idleSeconds: number, root?: string): RaplMeter | undefined {
    const zones = raplZones(root)
    return zones.length > 0 ? new RaplMeter(zones, idleSeconds) : undefined
  }

  private constructor(zones: RaplZone[], idleSeconds: number) {
    this.#zones = zones
    this.#last = this.#read()
    const t0 = performance.now()
    sleepSync(idleSeconds * 1000)
    this.#poll()
    this.#idleWatts = this.#accumulatedUj / 1e6 / ((performance.now() - t0) / 1000)
  }

  #read(): number[] {
    return this.#zones.map((z) => Number(readFileSync(z.path, 'utf8')))
  }

  #poll(): void {
    const now = this.#read()
    for (const [i, zone] of this.#zones.entries()) {
      const delta = now[i]! - this.#last[i]!
      this.#accumulatedUj += delta >= 0 ? delta : delta + zone.maxUj
    }
    this.#last = now
  }

  begin(): void {
    this.#poll()
    this.#accumulatedUj = 0
    this.#timer = setInterval(() => this.#poll(), 1000)
    this.#timer.unref()
  }

  end(wallS: number): EnergyReading {
    clearInterval(this.#timer)
    this.#poll()
    const measured = this.#accumulatedUj / 1e6
    return {
      joulesTotal: Math.max(0, measured - this.#idleWatts * wallS),
      energyMethod: 'rapl',
      idleWatts: this.#idleWatts,
      detail: `RAPL powercap package counters (${this.#zones.length} package${this.#zones.length > 1 ? 's' : ''}), ${measured.toFixed(3)} J measured minus idle ${this.#idleWatts.toFixed(2)} W x ${wallS.toFixed(3)} s`,
    }
  }

  close(): void {
    clearInterval(this.#timer)
  }
}

/** Whether perf can read the package energy counter here; probed once per process. */
let perfWorks: boolean | undefined

function probePerf(): boolean {
  const probe = spawnSync(
    'perf',
    ['stat', '-a', '-x', ',', '-e', 'power/energy-pkg/', '--', 'sleep', '0.05'],
    {
      encoding: 'utf8',
      timeout: 5000,
    },
  )
  return probe.status === 0 && /^[\d.]+,Joules,power\/energy-pkg\//m.test(probe.stderr ?? '')
}

/**
 * `perf stat -a -e power/energy-pkg/` in interval mode (every 100 ms), summing the intervals that
 * fall in the window; the idle power is measured from the intervals before the run.
 */
export class PerfMeter implements EnergyMeter {
  readonly method = 'perf' as const
  readonly #child: ChildProcess
  readonly #startedAt: number
  readonly #samples: { atMs: number; joules: number }[] = []
  #begin = 0
  #idleWatts = 0

  /** Probes perf once; undefined when the power PMU is missing or not permitted. */
  static create(idleSeconds: number): PerfMeter | undefined {
    perfWorks ??= probePerf()
    if (!perfWorks) return undefined
    const meter = new PerfMeter()
    sleepSync(idleSeconds * 1000 + 200)
    meter.#idleWatts =
      meter.#joulesBetween(0, performance.now()) / ((performance.now() - meter.#startedAt) / 1000)
    return meter
  }

  private constructor() {
    this.#startedAt = performance.now()
    this.#child = spawn('perf', ['stat', '-a', '-x', ',', '-I', '100', '-e', 'power/energy-pkg/'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    createInterface({ input: this.#child.stderr! }).on('line', (line) => {
      // "<seconds since start>,<joules>,Joules,power/energy-pkg/,..."
      const [at, value] = line.split(',')
      if (at && value && !Number.isNaN(Number(value))) {
        this.#samples.push({ atMs: this.#startedAt + Number(at) * 1000, joules: Number(value) })
      }
    })
  }

  #joulesBetween(fromMs: number, toMs: number): number {
    let sum = 0
    for (const s of this.#samples) if (s.atMs > fromMs && s.atMs <= toMs + 100) sum += s.joules
    return sum
  }

  begin(): void {
    this.#begin = performance.now()
  }

  end(wallS: number): EnergyReading {
    const endMs = performance.now()
    // Wait for the interval that covers the end of the window.
    sleepSync(150)
    const measured = this.#joulesBetween(this.#begin, endMs)
    return {
      joulesTotal: Math.max(0, measured - this.#idleWatts * wallS),
      energyMethod: 'perf',
      idleWatts: this.#idleWatts,
      detail: `perf stat -a -e power/energy-pkg/ at 100 ms intervals, ${measured.toFixed(3)} J minus idle ${this.#idleWatts.toFixed(2)} W x ${wallS.toFixed(3)} s`,
    }
  }

  close(): void {
    this.#child.kill('SIGINT')
  }
}

/**
 * Package TDP and hardware threads of CPUs we know, from the vendors' specification pages. The
 * estimate charges each CPU-second TDP / threads joules, i.e. a fully loaded thread's share.
 */
export const TDP_TABLE: readonly { pattern: RegExp; name: string; tdpWatts: number; threads: number }[] = [
  { pattern: /EPYC 9654\b/, name: 'AMD EPYC 9654', tdpWatts: 360, threads: 192 },
  { pattern: /EPYC 7763\b/, name: 'AMD EPYC 7763', tdpWatts: 280, threads: 128 },
  { pattern: /Xeon\(R\) Platinum 8380\b/, name: 'Intel Xeon Platinum 8380', tdpWatts: 270, threads: 80 },
  { pattern: /Ryzen 9 7950X\b/, name: 'AMD Ryzen 9 7950X', tdpWatts: 170, threads: 32 },
  { pattern: /i9-13900K\b/, name: 'Intel Core i9-13900K', tdpWatts: 125, threads: 32 },
  // Some hypervisors hide the model number. Family 25 model 17 is Zen 4 "Genoa" (EPYC 9004);
  // its top part is assumed, and the result says so.
  {
    pattern: /^AMD EPYC$/,
    name: 'AMD EPYC 9654 (assumed for a bare "AMD EPYC")',
    tdpWatts: 360,
    threads: 192,
  },
]

/** Looks up the CPU model in {@link TDP_TABLE}. */
export function lookupTdp(cpuModel: string): { tdpWatts: number; threads: number; name: string } | undefined {
  const model = cpuModel.trim()
  return TDP_TABLE.find((row) => row.pattern.test(model))
}

/** CPU seconds x TDP per hardware thread; always available when the CPU time is known. */
export class EstimateMeter implements EnergyMeter {
  readonly method = 'estimate' as const
  readonly #wattsPerThread: number
  readonly #tdpWatts: number
  readonly #source: string

  /** With `tdpWatts` (a flag), the TDP is taken as that of the CPUs this machine shows. */
  static create(cpuModel: string, tdpWatts?: number): EstimateMeter | undefined {
    if (tdpWatts !== undefined) {
      const threads = cpus().length
      return new EstimateMeter(tdpWatts / threads, tdpWatts, `flag: ${tdpWatts} W over ${threads} threads`)
    }
    const row = lookupTdp(cpuModel)
    if (!row) return undefined
    return new EstimateMeter(
      row.tdpWatts / row.threads,
      row.tdpWatts,
      `table: ${row.name}, ${row.threads} threads`,
    )
  }

  private constructor(wattsPerThread: number, tdpWatts: number, source: string) {
    this.#wattsPerThread = wattsPerThread
    this.#tdpWatts = tdpWatts
    this.#source = source
  }

  begin(): void {}

  end(_wallS: number, cpuS: number | undefined): EnergyReading | undefined {
    if (cpuS === undefined) return undefined
    return {
      joulesTotal: cpuS * this.#wattsPerThread,
      energyMethod: 'estimate',
      tdpWatts: this.#tdpWatts,
      tdpSource: this.#source,
      detail: `estimate: ${cpuS.toFixed(3)} CPU s x ${this.#wattsPerThread.toFixed(3)} W per thread (TDP / threads); not a measurement`,
    }
  }

  close(): void {}
}

/** Options of {@link createEnergyMeter}. */
export interface EnergyOptions {
  cpuModel: string
  /** Package TDP in watts for the estimate, overriding the table. */
  tdpWatts?: number
  /** Seconds of idle power measured before the run (RAPL and perf). Default 2. */
  idleSeconds?: number
  /** Skip the measured providers (for tests and machines where they mislead). */
  only?: EnergyMethod
}

/** The first provider that works, in the order RAPL powercap, perf power events, estimate. */
export function createEnergyMeter(options: EnergyOptions): EnergyMeter | undefined {
  const idle = options.idleSeconds ?? 2
  const want = (m: EnergyMethod) => options.only === undefined || options.only === m
  return (
    (want('rapl') ? RaplMeter.create(idle) : undefined) ??
    (want('perf') ? PerfMeter.create(idle) : undefined) ??
    (want('estimate') ? EstimateMeter.create(options.cpuModel, options.tdpWatts) : undefined)
  )
}
