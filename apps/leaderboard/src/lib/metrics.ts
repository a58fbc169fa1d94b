import type { BenchResult } from '@frugal/bench'

/** Whether a larger value of a metric is better (quality, throughput) or worse (latency, memory, energy). */
export type Direction = 'higher' | 'lower'

/** One column of a leaderboard: how to read it from a result, its unit and what it means. */
export interface MetricDef {
  /** Stable key, used in URLs, data attributes, CSV headers. */
  key: string
  /** Short column label, e.g. `p99 latency`. */
  label: string
  /** Unit shown next to every value, e.g. `ms`, `queries/s`, `MiB`. */
  unit: string
  /** One-sentence definition, shown on hover and in the definitions list. */
  definition: string
  direction: Direction
  /** `quality` metrics go on the y axis of the Pareto scatter, `cost` metrics on the x axis. */
  kind: 'quality' | 'cost'
  /** Reads the value in display units; `undefined` when the result does not report it. */
  read: (r: BenchResult) => number | undefined
  /** How the result file says the value was obtained (its metric group's `method`). */
  how: (r: BenchResult) => string | undefined
  /** Significant digits to show. */
  digits: number
}

const MIB = 1024 * 1024

const COST: MetricDef[] = [
  {
    key: 'throughput',
    label: 'Throughput',
    unit: 'items/s',
    definition:
      'Items per second of wall time in the measured phase (warm-up excluded). For search tasks an item is one query, so this is wall-clock QPS; the ANN suites search single-stream on one thread, so their rows compare. "How measured" says how each run counted.',
    direction: 'higher',
    kind: 'cost',
    read: (r) => r.metrics.throughput?.items_per_s,
    how: (r) => r.metrics.throughput?.method,
    digits: 4,
  },
  {
    key: 'latency_p50',
    label: 'p50 latency',
    unit: 'ms',
    definition: 'Median time from sending a request (Poisson: from its scheduled arrival) to its response.',
    direction: 'lower',
    kind: 'cost',
    read: (r) => r.metrics.latency_ms?.p50,
    how: (r) => r.metrics.latency_ms?.method,
    digits: 3,
  },
  {
    key: 'latency_p90',
    label: 'p90 latency',
    unit: 'ms',
    definition: '90th percentile of per-request latency.',
    direction: 'lower',
    kind: 'cost',
    read: (r) => r.metrics.latency_ms?.p90,
    how: (r) => r.metrics.latency_ms?.method,
    digits: 3,
  },
  {
    key: 'latency_p99',
    label: 'p99 latency',
    unit: 'ms',
    definition:
      '99th percentile of per-request latency: the tail a user notices. Poisson runs measure from the scheduled arrival, so queueing counts.',
    direction: 'lower',
    kind: 'cost',
    read: (r) => r.metrics.latency_ms?.p99,
    how: (r) => r.metrics.latency_ms?.method,
    digits: 3,
  },
  {
    key: 'peak_rss',
    label: 'Peak memory',
    unit: 'MiB',
    definition:
      'Peak resident set size of the measured process (tree): VmHWM from /proc for external programs, resourceUsage().maxRSS in-process.',
    direction: 'lower',
    kind: 'cost',
    read: (r) => (r.metrics.memory ? r.metrics.memory.peak_rss_bytes / MIB : undefined),
    how: (r) => (r.metrics.memory ? `${r.metrics.memory.method}, ${r.metrics.memory.scope}` : undefined),
    digits: 4,
  },
  {
    key: 'cpu_per_item',
    label: 'CPU time',
    unit: 'ms/item',
    definition: 'User + system CPU seconds of the measured process (tree) divided by the items processed.',
    direction: 'lower',
    kind: 'cost',
    read: (r) => (r.metrics.cpu ? r.metrics.cpu.cpu_seconds_per_item * 1000 : undefined),
    how: (r) => r.metrics.cpu?.method,
    digits: 3,
  },
  {
    key: 'energy_per_item',
    label: 'Energy',
    unit: 'mJ/item',
    definition:
      'Energy per item. Measured with RAPL or perf power events (idle power subtracted) or estimated from CPU time × TDP per core; the energy method column says which.',
    direction: 'lower',
    kind: 'cost',
    read: (r) => (r.metrics.energy ? r.metrics.energy.joules_per_item * 1000 : undefined),
    how: (r) =>
      r.metrics.energy ? `${r.metrics.energy.energy_method}: ${r.metrics.energy.detail}` : undefined,
    digits: 3,
  },
  {
    key: 'artifact',
    label: 'Index/model size',
    unit: 'MiB',
    definition: 'Bytes on disk of the artifacts the method needs at query time (index, model), in MiB.',
    direction: 'lower',
    kind: 'cost',
    read: (r) => (r.metrics.artifact ? r.metrics.artifact.artifact_bytes / MIB : undefined),
    how: (r) => r.metrics.artifact?.method,
    digits: 4,
  },
]

const KNOWN_QUALITY: Record<string, { label: string; definition: string }> = {
  recall_at_10: {
    label: 'Recall@10',
    definition:
      'Fraction of the exact 10 nearest neighbours (brute-force ground truth) found in the returned top 10.',
  },
  ndcg_at_10: {
    label: 'nDCG@10',
    definition:
      'Normalised discounted cumulative gain of the top 10 results against graded relevance judgements (1 = ideal ranking).',
  },
  accuracy: { label: 'Accuracy', definition: 'Fraction of examples answered correctly.' },
  exact_match: {
    label: 'Exact match',
    definition: 'Fraction of answers equal to a reference answer after normalisation.',
  },
  mrr_at_10: {
    label: 'MRR@10',
    definition: 'Mean reciprocal rank of the first relevant result within the top 10 (0 when none is found).',
  },
  recall_at_100: {
    label: 'Recall@100',
    definition: 'Fraction of the relevant items (or exact neighbours) found in the returned top 100.',
  },
}

const ACRONYMS: Record<string, string> = { ndcg: 'nDCG', mrr: 'MRR', map: 'MAP', em: 'EM', f1: 'F1' }

/**
 * A label for a quality key the catalog does not know: `recall_at_100` -> `Recall@100`,
 * `ndcg_at_10_minus1_relevant` -> `nDCG@10 (minus1 relevant)`.
 */
export function qualityLabel(key: string): string {
  const at = /^([a-z0-9_]*?)_at_(\d+)(?:_(.+))?$/.exec(key)
  const words = (at ? at[1]! : key).split('_')
  const first = words[0] ?? ''
  const base = [
    ACRONYMS[first] ?? first.charAt(0).toUpperCase() + first.slice(1),
    ...words.slice(1).map((w) => ACRONYMS[w] ?? w),
  ].join(' ')
  if (!at) return base
  return at[3] ? `${base}@${at[2]} (${at[3].replaceAll('_', ' ')})` : `${base}@${at[2]}`
}

/** The definition of the quality metric `key` (a key of `metrics.quality.values`). */
export function qualityMetric(key: string): MetricDef {
  const known = KNOWN_QUALITY[key]
  return {
    key: `q_${key}`,
    label: known?.label ?? qualityLabel(key),
    unit: '0–1',
    definition:
      known?.definition ?? `Quality metric "${key}" as reported by the task (a fraction in [0, 1]).`,
    direction: 'higher',
    kind: 'quality',
    read: (r) => r.metrics.quality?.values[key],
    how: (r) => r.metrics.quality?.method,
    digits: 4,
  }
}

/**
 * The metrics that at least one of `results` reports, quality first (in a stable order, known keys
 * first), then cost metrics in catalog order.
 */
export function metricsFor(results: readonly BenchResult[]): MetricDef[] {
  const qualityKeys = new Set<string>()
  for (const r of results) for (const k of Object.keys(r.metrics.quality?.values ?? {})) qualityKeys.add(k)
  const known = Object.keys(KNOWN_QUALITY)
  const ordered = [...qualityKeys].sort((a, b) => {
    const ia = known.indexOf(a)
    const ib = known.indexOf(b)
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b)
  })
  const cost = COST.filter((m) => results.some((r) => m.read(r) !== undefined))
  return [...ordered.map(qualityMetric), ...cost]
}

/** Every metric the site knows how to show: the known quality metrics, then the cost metrics. */
export function metricCatalog(): MetricDef[] {
  return [...Object.keys(KNOWN_QUALITY).map(qualityMetric), ...COST]
}

/** The distinct "how measured" labels of `metric` over `results`, for the column's hover text. */
export function howMeasured(metric: MetricDef, results: readonly BenchResult[]): string[] {
  return [...new Set(results.map((r) => metric.how(r)).filter((h): h is string => !!h))].sort()
}

/** Formats a value with `digits` significant digits, without exponent notation for ordinary ranges. */
export function formatValue(value: number, digits: number): string {
  if (!Number.isFinite(value)) return String(value)
  if (value === 0) return '0'
  const abs = Math.abs(value)
  if (abs >= 10 ** digits) return Math.round(value).toLocaleString('en-US')
  if (abs < 1e-4) return value.toExponential(2)
  return Number(value.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 8 })
}

/** `value unit`, the only way the site prints a number. */
export function formatWithUnit(
  value: number | undefined,
  metric: Pick<MetricDef, 'unit' | 'digits'>,
): string {
  if (value === undefined) return '—'
  return metric.unit === '0–1'
    ? formatValue(value, metric.digits)
    : `${formatValue(value, metric.digits)} ${metric.unit}`
}
