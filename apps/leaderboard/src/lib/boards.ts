import type { BenchResult } from '@frugal/bench'
import { type MetricDef, metricsFor } from './metrics.ts'

/** A result file as the site sees it: its id (file name without `.json`) and its validated content. */
export interface ResultEntry {
  id: string
  data: BenchResult
}

/** What the site knows about a task: its title, and the axes its scatter opens with. */
export interface TaskInfo {
  task: string
  title: string
  summary: string
  /** Preferred y (quality) and x (cost) metric keys, used when the board reports them. */
  y: string[]
  x: string[]
}

const TASKS: TaskInfo[] = [
  {
    task: 'ann',
    title: 'ANN search',
    summary:
      'Approximate nearest-neighbour search over embedding vectors: recall of the exact top 10 against queries per second, memory and index size.',
    y: ['q_recall_at_10'],
    x: ['throughput', 'latency_p99'],
  },
  {
    task: 'retrieval',
    title: 'Retrieval',
    summary:
      'Passage retrieval over a test collection with relevance judgements (dense, lexical and hybrid): nDCG@10 against tail latency.',
    y: ['q_ndcg_at_10'],
    x: ['latency_p99', 'throughput'],
  },
  {
    task: 'worker',
    title: 'Worker API latency',
    summary:
      'End-to-end latency and throughput of the edge workers over HTTP on 127.0.0.1 (workerd), per route and load scenario.',
    y: ['throughput'],
    x: ['latency_p99'],
  },
  {
    task: 'gateway',
    title: 'Gateway hop',
    summary:
      'The same API requests sent to the retrieval Worker directly and through the router Worker (a service binding hop), on 127.0.0.1 (workerd).',
    y: ['throughput'],
    x: ['latency_p99'],
  },
]

/** The known tasks in menu order; a task only seen in results gets a plain entry. */
export function taskInfo(task: string): TaskInfo {
  return (
    TASKS.find((t) => t.task === task) ?? {
      task,
      title: task.charAt(0).toUpperCase() + task.slice(1),
      summary: `Results of the "${task}" benchmark task.`,
      y: [],
      x: ['throughput', 'latency_p99'],
    }
  )
}

/** Known tasks first, then any other task present in `entries`. */
export function tasksOf(entries: readonly ResultEntry[]): TaskInfo[] {
  const seen = new Set(entries.map((e) => e.data.task))
  const extra = [...seen].filter((t) => !TASKS.some((k) => k.task === t)).sort()
  return [...TASKS, ...extra.map(taskInfo)]
}

/**
 * The identity of a load scenario for ranking purposes: results are only ranked against results of
 * the same key (a batch of 8 is not a batch of 64; Poisson at 50/s is not Poisson at 500/s).
 */
export function scenarioKey(r: BenchResult): string {
  const s = r.scenario
  switch (s.name) {
    case 'fixed_batch':
      return `fixed_batch-b${s.batch_size}`
    case 'poisson':
      return s.latency_bound_ms !== undefined
        ? `poisson-p99-under-${s.latency_bound_ms}ms`
        : `poisson-${s.rate_per_s ?? 0}qps`
    default:
      return s.name
  }
}

/** A readable name of a scenario key's scenario. */
export function scenarioLabel(r: BenchResult): string {
  const s = r.scenario
  switch (s.name) {
    case 'single_stream':
      return 'Single stream (batch 1, sequential)'
    case 'fixed_batch':
      return `Fixed batch (${s.batch_size} items per request)`
    case 'poisson':
      return s.latency_bound_ms !== undefined
        ? `Poisson, highest rate with p99 ≤ ${s.latency_bound_ms} ms`
        : `Poisson arrivals at ${s.rate_per_s} queries/s (open loop)`
    case 'offline':
      return 'Offline (all inputs at once)'
  }
}

const slugify = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '')

/** One ranking: a task on one dataset under one scenario. Nothing is ever ranked across boards. */
export interface Board {
  task: TaskInfo
  /** URL segment under `/leaderboard/<task>/`. */
  slug: string
  datasetLabel: string
  dataset: BenchResult['dataset']
  scenarioKey: string
  scenarioLabel: string
  /** Complete runs, ranked. */
  entries: ResultEntry[]
  /** Failed runs, listed apart with their error and never ranked. */
  failed: ResultEntry[]
  metrics: MetricDef[]
  /** Default scatter axes. */
  x: MetricDef
  y: MetricDef
  /** ISO dates of the oldest and newest run. */
  firstDate: string
  lastDate: string
}

function datasetLabel(d: BenchResult['dataset']): string {
  return d.split ? `${d.name} (${d.split})` : d.name
}

function pick(
  metrics: MetricDef[],
  preferred: string[],
  kind: MetricDef['kind'],
  not?: MetricDef,
): MetricDef {
  for (const key of preferred) {
    const m = metrics.find((mm) => mm.key === key && mm !== not)
    if (m) return m
  }
  return metrics.find((m) => m.kind === kind && m !== not) ?? metrics.find((m) => m !== not) ?? metrics[0]!
}

/** Ranks by the board's y metric (best first), then by x, then by id, so the order is stable. */
function rank(entries: ResultEntry[], x: MetricDef, y: MetricDef): ResultEntry[] {
  const key = (m: MetricDef, e: ResultEntry): number => {
    const v = m.read(e.data)
    if (v === undefined) return Number.POSITIVE_INFINITY
    return m.direction === 'higher' ? -v : v
  }
  return [...entries].sort(
    (a, b) => key(y, a) - key(y, b) || key(x, a) - key(x, b) || a.id.localeCompare(b.id),
  )
}

/** Splits results into boards: one per (task, dataset, scenario key), in a stable order. */
export function boardsOf(entries: readonly ResultEntry[]): Board[] {
  const groups = new Map<string, ResultEntry[]>()
  for (const e of entries) {
    const r = e.data
    const key = [r.task, datasetLabel(r.dataset), scenarioKey(r)].join('\u0000')
    const list = groups.get(key) ?? []
    list.push(e)
    groups.set(key, list)
  }
  const boards: Board[] = []
  for (const list of groups.values()) {
    const first = list[0]!.data
    const task = taskInfo(first.task)
    const complete = list.filter((e) => e.data.status === 'complete')
    const failed = list.filter((e) => e.data.status === 'failed').sort((a, b) => a.id.localeCompare(b.id))
    const metrics = metricsFor(complete.length > 0 ? complete.map((e) => e.data) : list.map((e) => e.data))
    if (metrics.length === 0) continue
    const y = pick(metrics, task.y, 'quality')
    const x = pick(metrics, task.x, 'cost', y)
    const dates = list.map((e) => e.data.provenance.date).sort()
    boards.push({
      task,
      slug: `${slugify(datasetLabel(first.dataset))}--${slugify(scenarioKey(first))}`,
      datasetLabel: datasetLabel(first.dataset),
      dataset: first.dataset,
      scenarioKey: scenarioKey(first),
      scenarioLabel: scenarioLabel(first),
      entries: rank(complete, x, y),
      failed,
      metrics,
      x,
      y,
      firstDate: dates[0]!,
      lastDate: dates.at(-1)!,
    })
  }
  const scenarioOrder = ['single_stream', 'fixed_batch', 'poisson', 'offline']
  const order = (b: Board) => scenarioOrder.findIndex((s) => b.scenarioKey.startsWith(s))
  return boards.sort(
    (a, b) =>
      a.task.task.localeCompare(b.task.task) ||
      b.entries.length - a.entries.length ||
      a.datasetLabel.localeCompare(b.datasetLabel) ||
      order(a) - order(b) ||
      a.scenarioKey.localeCompare(b.scenarioKey),
  )
}

/** Short, stable label of a result's method and parameters: `adanns-ivf d_c=64 d_s=256 nprobe=4`. */
export function methodLabel(r: BenchResult): string {
  const params = Object.entries(r.method.parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
  return params ? `${r.method.name} ${params}` : r.method.name
}

/** A short hardware label: `AMD EPYC 9R14 · 2 cores · 7.6 GiB` */
export function hardwareLabel(r: BenchResult): string {
  const m = r.provenance.machine
  return `${m.cpu_model} · ${m.cores} cores · ${(m.memory_bytes / 2 ** 30).toFixed(1)} GiB`
}

/** True when energy was measured by counters (RAPL, perf) rather than estimated. */
export function energyMeasured(r: BenchResult): boolean | undefined {
  const e = r.metrics.energy
  return e ? e.energy_method !== 'estimate' : undefined
}
