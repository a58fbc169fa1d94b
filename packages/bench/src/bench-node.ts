import { stat } from 'node:fs/promises'
import { cpus } from 'node:os'
import { createEnergyMeter, type EnergyMeter, type EnergyOptions, type EnergyReading } from './energy-node.ts'
import { BenchError } from './errors.ts'
import { ProcessTreeMonitor, procAvailable } from './proc-node.ts'
import { collectProvenance } from './provenance-node.ts'
import { type RunOutcome, runScenario, type ScenarioSettings } from './runner.ts'
import {
  type BenchDataset,
  type BenchMethod,
  type BenchMetrics,
  type BenchResult,
  RESULT_SCHEMA_VERSION,
} from './schema.ts'
import { generationMetrics, type StreamTarget } from './stream-target.ts'
import type { Target } from './target.ts'

/** Options of {@link runBenchmark}. */
export interface BenchmarkOptions {
  target: Target
  inputs: readonly unknown[]
  settings: ScenarioSettings
  task: string
  dataset: BenchDataset
  method: BenchMethod
  /** The exact command line recorded in the result; default `process.argv`. */
  command?: string
  /** Runtime backend recorded in the result; default by target kind ("js", "process", "http"). */
  backend?: string
  /** Files (model, index) whose sizes on disk add up to `artifact_bytes`. */
  artifactPaths?: string[]
  /** Or the artifact size as reported by the task. */
  artifactBytes?: number
  /** Energy provider options; `false` leaves energy out. */
  energy?: Partial<EnergyOptions> | false
  /** Quality metrics computed by the task (e.g. from `onOutputs`), recorded as given. */
  quality?: () => BenchMetrics['quality'] | undefined
  /**
   * A streaming target (`streamTarget`): the mean prompt length in tokens of the inputs, recorded
   * with the `generation` metrics measured from its observations of the measured requests.
   */
  promptTokensMean?: number
  onProgress?: (done: number, total: number) => void
  onOutputs?: (inputs: readonly unknown[], outputs: readonly unknown[]) => void
  notes?: string
}

interface Window {
  wallS: number
  cpuS?: number
  energy?: EnergyReading
}

/**
 * Runs one scenario and returns a complete result file (not yet written): metrics, each labelled
 * with how it was obtained, and the provenance. A run that fails keeps its partial numbers and is
 * marked `failed`. The target is not closed.
 * @example
 * const target = stdioTarget(['node', 'predict.mjs'])
 * const result = await runBenchmark({ target, inputs, settings: { scenario: 'single_stream' },
 *   task: 'ann', dataset: { name: 'sift-10k', size: 10_000 }, method: { name: 'flat', parameters: {} } })
 * await target.close()
 * await writeResult('results/flat.json', result)
 */
export async function runBenchmark(options: BenchmarkOptions): Promise<BenchResult> {
  const { target } = options
  const date = new Date()
  const cpuModel = cpus()[0]?.model.trim() || 'unknown'
  const monitor = target.pid !== undefined && procAvailable() ? new ProcessTreeMonitor(target.pid) : undefined
  const inProcess = target.kind === 'function'
  const energy: EnergyMeter | undefined =
    options.energy === false ? undefined : createEnergyMeter({ cpuModel, ...options.energy })
  let began = 0
  let cpuAtBegin: NodeJS.CpuUsage | undefined
  let outcome: RunOutcome<Window>
  try {
    outcome = await runScenario<Window>(target, options.inputs, options.settings, {
      probe: {
        begin() {
          monitor?.begin()
          if (inProcess) cpuAtBegin = process.cpuUsage()
          energy?.begin()
          began = performance.now()
        },
        end() {
          const wallS = (performance.now() - began) / 1000
          let cpuS: number | undefined
          if (monitor) cpuS = monitor.end()
          else if (inProcess && cpuAtBegin) {
            const used = process.cpuUsage(cpuAtBegin)
            cpuS = (used.user + used.system) / 1e6
          }
          const reading = energy?.end(wallS, cpuS)
          return { wallS, ...(cpuS === undefined ? {} : { cpuS }), ...(reading ? { energy: reading } : {}) }
        },
      },
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onOutputs ? { onOutputs: options.onOutputs } : {}),
    })
  } finally {
    monitor?.stop()
    energy?.close()
  }

  const metrics: BenchMetrics = {
    wall_time_s: outcome.wallTimeS,
    requests: outcome.requests,
    items: outcome.items,
  }
  if (outcome.latencyMs) {
    metrics.latency_ms = {
      ...outcome.latencyMs,
      measured_from: outcome.measuredFrom,
      method:
        outcome.measuredFrom === 'scheduled_arrival'
          ? 'performance.now() from the scheduled Poisson arrival to the answer; exact sort, nearest rank'
          : 'performance.now() from sending the request to the answer; exact sort, nearest rank',
    }
  }
  if (outcome.requests > 0) {
    metrics.throughput = {
      items_per_s: outcome.throughput.itemsPerS,
      requests_per_s: outcome.throughput.requestsPerS,
      method:
        outcome.scenario.name === 'offline'
          ? 'items / time between the ready and done signals'
          : outcome.scenario.name === 'poisson'
            ? 'items / time from the start of the schedule to the last answer'
            : 'items / wall time of the measured phase',
    }
  }
  if (outcome.poisson) {
    const p = outcome.poisson
    metrics.poisson = {
      target_rate_per_s: p.targetRatePerS,
      achieved_rate_per_s: p.achievedRatePerS,
      ...(p.shedRequests > 0
        ? {
            shed_requests: p.shedRequests,
            shed_fraction: p.shedRequests / (p.shedRequests + outcome.requests),
          }
        : {}),
      ...(p.latencyBoundMs === undefined ? {} : { latency_bound_ms: p.latencyBoundMs }),
      ...(p.maxRateUnderBoundPerS === undefined
        ? {}
        : { max_rate_under_bound_per_s: p.maxRateUnderBoundPerS }),
      ...(p.search ? { search: p.search } : {}),
    }
  }
  if (monitor) {
    metrics.memory = { peak_rss_bytes: monitor.peakRssBytes(), method: 'proc_vmhwm', scope: 'process_tree' }
  } else if (inProcess) {
    metrics.memory = {
      peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
      method: 'resource_usage',
      scope: 'process',
    }
  }
  const items = Math.max(1, outcome.items)
  const window = outcome.window
  if (window?.cpuS !== undefined && outcome.items > 0) {
    metrics.cpu = {
      cpu_seconds_per_item: window.cpuS / items,
      cpu_seconds_total: window.cpuS,
      method: monitor ? 'proc_stat' : 'resource_usage',
    }
  }
  if (window?.energy && outcome.items > 0) {
    const e = window.energy
    metrics.energy = {
      joules_per_item: e.joulesTotal / items,
      joules_total: e.joulesTotal,
      energy_method: e.energyMethod,
      ...(e.idleWatts === undefined ? {} : { idle_watts: e.idleWatts }),
      ...(e.tdpWatts === undefined ? {} : { tdp_watts: e.tdpWatts }),
      ...(e.tdpSource === undefined ? {} : { tdp_source: e.tdpSource }),
      detail: e.detail,
    }
  }
  if (options.artifactPaths && options.artifactPaths.length > 0) {
    let bytes = 0
    for (const path of options.artifactPaths) {
      try {
        bytes += (await stat(path)).size
      } catch (cause) {
        throw new BenchError('IO_ERROR', `artifact: cannot read ${path}`, { cause })
      }
    }
    metrics.artifact = { artifact_bytes: bytes, method: 'file_size', files: options.artifactPaths }
  } else if (options.artifactBytes !== undefined) {
    metrics.artifact = { artifact_bytes: options.artifactBytes, method: 'reported' }
  }
  const quality = outcome.error ? undefined : options.quality?.()
  if (quality) metrics.quality = quality
  const observations = (target as Partial<StreamTarget>).observations
  if (target.kind === 'http_stream' && observations && metrics.requests > 0 && !outcome.error) {
    if (options.promptTokensMean === undefined)
      throw new BenchError(
        'INVALID_ARGUMENT',
        'promptTokensMean: a streaming target records the prompt length',
      )
    // Warm-up requests come first; the measured ones are the last `requests` observations.
    metrics.generation = generationMetrics(
      observations.slice(-metrics.requests),
      metrics.wall_time_s,
      options.promptTokensMean,
    )
  }
  const minor1 =
    metrics.generation !== undefined || metrics.quality?.scales !== undefined || target.kind === 'http_stream'

  const scenario = outcome.scenario
  const result: BenchResult = {
    schema_version: RESULT_SCHEMA_VERSION,
    ...(minor1 ? { schema_minor: 1 } : {}),
    task: options.task,
    dataset: options.dataset,
    method: options.method,
    target: { kind: target.kind, description: target.description },
    scenario,
    metrics,
    status: outcome.error ? 'failed' : 'complete',
    ...(outcome.error ? { error: { code: outcome.error.code, message: outcome.error.message } } : {}),
    provenance: collectProvenance({
      command: options.command ?? process.argv.join(' '),
      backend:
        options.backend ??
        { function: 'js', stdio: 'process', http: 'http', http_stream: 'http' }[target.kind],
      seeds: {
        input_order: scenario.seed,
        ...(scenario.name === 'poisson' ? { arrival_schedule: scenario.seed } : {}),
      },
      date,
    }),
    ...(options.notes ? { notes: options.notes } : {}),
  }
  return result
}
