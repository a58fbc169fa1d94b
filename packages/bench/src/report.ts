import type { BenchResult } from './schema.ts'

const fmt = (v: number | undefined, digits = 2): string => {
  if (v === undefined) return '-'
  if (v === 0) return '0'
  const abs = Math.abs(v)
  if (abs >= 1000) return v.toFixed(0)
  if (abs >= 1) return v.toFixed(digits)
  return v.toPrecision(3)
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 3)}...` : text)

const mib = (bytes: number | undefined) => (bytes === undefined ? '-' : (bytes / 1048576).toFixed(1))

/** The columns of {@link formatReport}, each with its unit in the header. */
export const REPORT_COLUMNS = [
  'file',
  'task',
  'method',
  'scenario',
  'status',
  'p50 ms',
  'p90 ms',
  'p99 ms',
  'items/s',
  'rate/s',
  'peak MiB',
  'cpu ms/item',
  'mJ/item',
  'energy',
  'quality',
] as const

/** One row per result, in the order of {@link REPORT_COLUMNS}. */
export function reportRow(file: string, r: BenchResult): string[] {
  const m = r.metrics
  const scenario =
    r.scenario.name === 'fixed_batch'
      ? `fixed_batch(${r.scenario.batch_size})`
      : r.scenario.name === 'poisson'
        ? `poisson(${fmt(r.scenario.rate_per_s)}/s)`
        : r.scenario.name
  const quality = m.quality
    ? Object.entries(m.quality.values)
        .map(([k, v]) => `${k}=${fmt(v, 3)}`)
        .join(' ')
    : '-'
  return [
    file,
    r.task,
    clip(r.method.name, 40),
    scenario,
    (r.status === 'complete' ? 'complete' : `FAILED ${r.error?.code ?? ''}`.trim()) +
      (m.poisson?.shed_fraction ? `, ${fmt(100 * m.poisson.shed_fraction, 1)}% shed` : ''),
    fmt(m.latency_ms?.p50),
    fmt(m.latency_ms?.p90),
    fmt(m.latency_ms?.p99),
    fmt(m.throughput?.items_per_s, 1),
    fmt(m.poisson?.max_rate_under_bound_per_s ?? m.poisson?.achieved_rate_per_s, 1),
    mib(m.memory?.peak_rss_bytes),
    fmt(m.cpu === undefined ? undefined : m.cpu.cpu_seconds_per_item * 1000, 3),
    fmt(m.energy === undefined ? undefined : m.energy.joules_per_item * 1000, 3),
    m.energy?.energy_method ?? '-',
    quality,
  ]
}

/** A plain-text table of results, one row each, numbers right-aligned, for a terminal. */
export function formatReport(results: readonly { file: string; result: BenchResult }[]): string {
  const rows = [
    REPORT_COLUMNS.slice() as string[],
    ...results.map(({ file, result }) => reportRow(file, result)),
  ]
  const widths = REPORT_COLUMNS.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
  const numeric = new Set([5, 6, 7, 8, 9, 10, 11, 12])
  const line = (row: string[]) =>
    row
      .map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n')
}
