import type { MethodGroup } from './grid.ts'
import type { MethodOutcome } from './runner.ts'

/** One measured (method, setting) pair, flattened for tables and ratios. */
export interface Row {
  methodId: string
  group: MethodGroup
  method: string
  setting: string
  params: Record<string, number | string | boolean>
  recall: number
  /** Wall-clock queries per second on one thread (see SettingMeasurement.qps); the ratios use this one. */
  qps: number
  /** Queries per CPU second of the method's process (context). */
  qpsCpu: number
  p50Ms: number
  p99Ms: number
  flops: number | undefined
  buildSeconds: number
  cached: boolean
  indexBytes: number
  bytesPerVector: number
  /** process.resourceUsage().maxRSS of the method's process minus its RSS after loading the data. */
  peakRssOverDataBytes: number
  peakRssBytes: number
  facts: Record<string, number>
}

export function toRows(outcomes: MethodOutcome[], n: number): Row[] {
  const rows: Row[] = []
  for (const o of outcomes) {
    if (!o.ok) continue
    const m = o.measurement
    for (const s of m.settings) {
      rows.push({
        methodId: o.plan.id,
        group: o.plan.group,
        method: o.plan.label,
        setting: s.label,
        params: { ...o.plan.params, ...s.params },
        recall: s.recall,
        qps: s.qps,
        qpsCpu: s.qpsCpu,
        p50Ms: s.latencyMs.p50,
        p99Ms: s.latencyMs.p99,
        flops: s.flopsPerQuery,
        buildSeconds: m.buildSeconds,
        cached: m.cached,
        indexBytes: m.indexBytes,
        bytesPerVector: m.indexBytes / n,
        peakRssOverDataBytes: Math.max(0, m.peakRssBytes - m.rssAfterLoadBytes),
        peakRssBytes: m.peakRssBytes,
        facts: m.facts,
      })
    }
  }
  return rows
}

/** Rows not dominated by another row in (recall, QPS): the recall-QPS Pareto frontier, by recall. */
export function paretoFrontier<T extends { recall: number; qps: number }>(rows: T[]): T[] {
  const sorted = [...rows].sort((a, b) => b.recall - a.recall || b.qps - a.qps)
  const out: T[] = []
  let bestQps = Number.NEGATIVE_INFINITY
  for (const r of sorted) {
    if (r.qps > bestQps) {
      out.push(r)
      bestQps = r.qps
    }
  }
  return out.reverse()
}

/** The fastest row of `group` whose recall reaches `minRecall`. */
export function fastestAt(rows: Row[], groups: MethodGroup[], minRecall: number): Row | undefined {
  let best: Row | undefined
  for (const r of rows) {
    if (!groups.includes(r.group) || r.recall < minRecall) continue
    if (!best || r.qps > best.qps) best = r
  }
  return best
}

/** The row of `group` with the fewest FLOPs whose recall reaches `minRecall`. */
export function cheapestAt(rows: Row[], group: MethodGroup, minRecall: number): Row | undefined {
  let best: Row | undefined
  for (const r of rows) {
    if (r.group !== group || r.recall < minRecall || r.flops === undefined) continue
    if (!best || r.flops < best.flops!) best = r
  }
  return best
}

export interface Ratio {
  name: string
  value: number | undefined
  target: string
  met: boolean | undefined
  detail: string
}

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : String(x))
const describe = (r: Row | undefined) =>
  r ? `${r.methodId} ${r.setting} (recall ${fmt(r.recall, 3)}, ${fmt(r.qps, 0)} QPS)` : 'none reaches it'

/** The ratios that the targets of the ANN issue are stated in. */
export function targetRatios(rows: Row[], n: number, dim: number): Ratio[] {
  const out: Ratio[] = []
  const adanns = fastestAt(rows, ['adanns-ivf'], 0.95)
  const hnsw = fastestAt(rows, ['hnswlib'], 0.95)
  const usearch = fastestAt(rows, ['usearch'], 0.95)
  const flat = rows.find((r) => r.group === 'flat')
  const qpsRatio = adanns && hnsw ? adanns.qps / hnsw.qps : undefined
  out.push({
    name: 'AdANNS-IVF QPS / hnswlib-node QPS at recall@10 >= 0.95',
    value: qpsRatio,
    target: '>= 0.5',
    met: qpsRatio === undefined ? undefined : qpsRatio >= 0.5,
    detail: `AdANNS: ${describe(adanns)}; hnswlib: ${describe(hnsw)}`,
  })
  const memRatio = adanns && hnsw ? adanns.indexBytes / hnsw.indexBytes : undefined
  out.push({
    name: 'AdANNS-IVF index memory / hnswlib-node index memory',
    value: memRatio,
    target: '<= 0.25',
    met: memRatio === undefined ? undefined : memRatio <= 0.25,
    detail:
      adanns && hnsw
        ? `${fmt(adanns.bytesPerVector, 0)} vs ${fmt(hnsw.bytesPerVector, 0)} bytes per vector`
        : 'needs both at recall >= 0.95',
  })
  for (const level of [0.95, 0.99]) {
    const graph = fastestAt(rows, ['graph'], level)
    const peer = fastestAt(rows, ['hnswlib'], level)
    const ratio = graph && peer ? graph.qps / peer.qps : undefined
    out.push({
      name: `graph QPS / hnswlib-node QPS at recall@10 >= ${level}`,
      value: ratio,
      target: '>= 1',
      met: ratio === undefined ? undefined : ratio >= 1,
      detail: `graph: ${describe(graph)}; hnswlib: ${describe(peer)}`,
    })
  }
  // Memory and build time of the graph build that is fastest at recall >= 0.95 (or the first one).
  const graph95 = fastestAt(rows, ['graph'], 0.95) ?? rows.find((r) => r.group === 'graph')
  const hnswAny = rows.find((r) => r.group === 'hnswlib')
  if (graph95 && hnswAny) {
    out.push({
      name: 'graph index memory / hnswlib-node index memory',
      value: graph95.indexBytes / hnswAny.indexBytes,
      target: '<= 1',
      met: graph95.indexBytes <= hnswAny.indexBytes,
      detail: `${graph95.methodId}: ${fmt(graph95.bytesPerVector, 0)} vs ${fmt(hnswAny.bytesPerVector, 0)} bytes per vector`,
    })
    out.push({
      name: 'graph build time / hnswlib-node build time',
      value: graph95.buildSeconds / hnswAny.buildSeconds,
      target: '<= 1.5',
      met: graph95.buildSeconds <= 1.5 * hnswAny.buildSeconds,
      detail: `${graph95.methodId}: ${fmt(graph95.buildSeconds, 1)} s vs ${fmt(hnswAny.buildSeconds, 1)} s (one thread each)`,
    })
  }
  if (usearch && adanns) {
    out.push({
      name: 'AdANNS-IVF QPS / usearch QPS at recall@10 >= 0.95 (context)',
      value: adanns.qps / usearch.qps,
      target: '(none)',
      met: undefined,
      detail: `usearch: ${describe(usearch)}; ${fmt(adanns.bytesPerVector, 0)} vs ${fmt(usearch.bytesPerVector, 0)} B/vector`,
    })
  }
  const speedup = adanns && flat ? adanns.qps / flat.qps : undefined
  out.push({
    name: 'AdANNS-IVF QPS / TS flat scan QPS (AdANNS at recall >= 0.95)',
    value: speedup,
    target: '>= 100',
    met: speedup === undefined ? undefined : speedup >= 100,
    detail: `flat: ${flat ? `${fmt(flat.qps, 1)} QPS` : 'not run'}; AdANNS: ${describe(adanns)}`,
  })
  for (const level of [0.7, 0.8, 0.9, 0.95]) {
    const rigid = cheapestAt(rows, 'rigid-ivf', level)
    const ad = cheapestAt(rows, 'adanns-ivf', level)
    const ratio = rigid && ad ? rigid.flops! / ad.flops! : undefined
    out.push({
      name: `rigid IVF FLOPs / AdANNS-IVF FLOPs at recall@10 >= ${level}`,
      value: ratio,
      target: '>= 5',
      met: ratio === undefined ? undefined : ratio >= 5,
      detail: `rigid: ${rigid ? `${rigid.setting}, ${fmt(rigid.flops! / 1e6, 2)} MFLOPs, recall ${fmt(rigid.recall, 3)}` : 'none reaches it'}; AdANNS: ${ad ? `${ad.methodId} ${ad.setting}, ${fmt(ad.flops! / 1e6, 2)} MFLOPs, recall ${fmt(ad.recall, 3)}` : 'none reaches it'}`,
    })
  }
  // AdANNS-OPQ at 32 bytes vs rigid OPQ at 64 bytes, at the same nprobe (best over the shared ones).
  const opq32 = rows.filter((r) => r.group === 'adanns-opq' && r.params.m === 32)
  const rigid64 = rows.filter((r) => r.group === 'rigid-opq' && r.params.m === 64)
  let best: { diff: number; a: Row; b: Row } | undefined
  for (const b of rigid64) {
    for (const a of opq32.filter(
      (x) => x.params.nprobe === b.params.nprobe && x.params.nlist === b.params.nlist,
    )) {
      const diff = a.recall - b.recall
      if (!best || a.recall > best.a.recall || (a.recall === best.a.recall && diff > best.diff))
        best = { diff, a, b }
    }
  }
  out.push({
    name: 'AdANNS-OPQ 32 B recall@10 - rigid OPQ 64 B recall@10 (same nlist, nprobe)',
    value: best?.diff,
    target: '>= 0',
    met: best ? best.diff >= 0 : undefined,
    detail: best
      ? `${best.a.methodId} ${best.a.setting}: ${fmt(best.a.recall, 3)} vs ${best.b.methodId} ${best.b.setting}: ${fmt(best.b.recall, 3)}`
      : 'needs both methods',
  })
  const binary = rows.filter((r) => r.group === 'binary')
  const codeBytes = binary[0]?.facts.code_bytes
  const sizeRatio = codeBytes ? (4 * dim * n) / codeBytes : undefined
  out.push({
    name: 'binary: fp32 vector bytes / binary code bytes',
    value: sizeRatio,
    target: '>= 32',
    met: sizeRatio === undefined ? undefined : sizeRatio >= 32 - 1e-9,
    detail: codeBytes
      ? `${fmt(codeBytes / n, 1)} code bytes per vector vs ${4 * dim} fp32 bytes`
      : 'binary not run',
  })
  const within = binary.filter(
    (r) => typeof r.params.rerank === 'number' && (r.params.rerank as number) <= 0.02 * n,
  )
  const bestBinary = within.sort((a, b) => b.recall - a.recall)[0]
  out.push({
    name: `binary: best recall@10 with re-rank <= 2 % of the base (${Math.floor(0.02 * n)})`,
    value: bestBinary?.recall,
    target: '>= 0.95',
    met: bestBinary ? bestBinary.recall >= 0.95 : undefined,
    detail: bestBinary ? describe(bestBinary) : 'binary not run',
  })
  return out
}

const MB = 1024 * 1024

/** Fixed-width text table. */
export function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n')
}

export const ROW_HEADER = [
  'method',
  'setting',
  'build',
  'recall@10',
  'QPS (wall)',
  'QPS (CPU)',
  'p50 ms',
  'p99 ms',
  'MFLOPs/q',
  'B/vector',
  'peak RSS +MB',
]

export function rowCells(r: Row): string[] {
  return [
    r.methodId,
    r.setting,
    `${fmt(r.buildSeconds, 1)} s${r.cached ? '*' : ''}`,
    fmt(r.recall, 3),
    fmt(r.qps, 0),
    fmt(r.qpsCpu, 0),
    fmt(r.p50Ms, 3),
    fmt(r.p99Ms, 3),
    r.flops === undefined ? '-' : fmt(r.flops / 1e6, 2),
    fmt(r.bytesPerVector, 0),
    fmt(r.peakRssOverDataBytes / MB, 0),
  ]
}

export function ratioTable(ratios: Ratio[]): string {
  return table(
    ['ratio', 'value', 'target', 'met'],
    ratios.map((r) => [
      r.name,
      r.value === undefined ? 'n/a' : fmt(r.value, 3),
      r.target,
      r.met === undefined ? '-' : r.met ? 'yes' : 'NO',
    ]),
  )
}
