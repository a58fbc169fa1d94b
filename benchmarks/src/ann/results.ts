import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { type BenchProvenance, type BenchResult, RESULT_SCHEMA_VERSION } from '@frugal/bench'
import { writeResult } from '@frugal/bench/node'
import type { DatasetMeta } from './dataset.ts'
import type { MethodGroup } from './grid.ts'
import type { TimingPlan } from './measure.ts'
import type { MethodOutcome } from './runner.ts'

const PAPERS: Partial<Record<MethodGroup, string>> = {
  'adanns-ivf': 'Rege et al. 2023, AdANNS (arXiv 2305.19435)',
  'adanns-opq': 'Rege et al. 2023, AdANNS (arXiv 2305.19435)',
  'rigid-opq': 'Ge et al. 2013, Optimized Product Quantization',
  ivfpq: 'Jegou et al. 2011, Product Quantization for Nearest Neighbor Search',
  binary: 'Cao et al. 2024, BTR: Binary Token Representations (arXiv 2310.01329)',
  graph:
    'Rege et al. 2023, AdANNS (arXiv 2305.19435) applied to a proximity graph (HNSW neighbour heuristic, Malkov and Yashunin 2018)',
  hnswlib: 'Malkov and Yashunin 2018, HNSW (hnswlib-node 3.0.0)',
  usearch: 'USearch HNSW (usearch 2.26.2)',
}

/** The Frugal method a group is evidence of (the site's method page id); peers and baselines have none. */
const METHOD_IDS: Partial<Record<MethodGroup, string>> = { 'adanns-ivf': 'adanns', 'adanns-opq': 'adanns' }

const FAMILY: Record<MethodGroup, string> = {
  flat: 'flat',
  'rigid-ivf': 'ivf',
  'adanns-ivf': 'ivf',
  ivfpq: 'ivfpq',
  'rigid-opq': 'ivfpq',
  'adanns-opq': 'ivfpq',
  binary: 'binary',
  graph: 'graph',
  hnswlib: 'hnsw',
  usearch: 'hnsw',
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
}

export interface ResultContext {
  meta: DatasetMeta
  plan: TimingPlan
  provenance: BenchProvenance
  /** Appended to every result's notes (e.g. machine load during the run). */
  note: string
}

/** One result file per (method, setting), in the @frugal/bench schema. */
export function toBenchResults(
  outcome: MethodOutcome,
  ctx: ResultContext,
): { file: string; result: BenchResult }[] {
  if (!outcome.ok) return []
  const { plan: method, measurement: m } = outcome
  const { meta } = ctx
  return m.settings.map((s) => {
    const parameters: Record<string, string | number | boolean> = {}
    for (const [k, v] of Object.entries({ ...method.params, ...s.params })) parameters[snake(k)] = v
    parameters.k = ctx.plan.k
    const result: BenchResult = {
      schema_version: RESULT_SCHEMA_VERSION,
      task: 'ann',
      dataset: {
        name: meta.name,
        size: meta.n,
        queries: s.queries,
        dims: meta.dim,
        revision: meta.revision,
        source: meta.source,
      },
      method: {
        name: method.label,
        ...(METHOD_IDS[method.group] ? { id: METHOD_IDS[method.group] } : {}),
        family: FAMILY[method.group],
        ...(PAPERS[method.group] ? { paper: PAPERS[method.group] } : {}),
        parameters,
      },
      target: {
        kind: 'function',
        description: `${method.id}: in-process search(query, ${ctx.plan.k}) called once per query (${s.label})`,
      },
      scenario: {
        name: 'single_stream',
        batch_size: 1,
        min_requests: ctx.plan.minQueries,
        min_duration_s: 0,
        max_requests: meta.queries,
        time_budget_s: ctx.plan.maxSeconds,
        warmup_requests: s.warmup,
        seed: 0,
      },
      metrics: {
        wall_time_s: s.wallSeconds,
        requests: s.queries,
        items: s.queries,
        latency_ms: {
          ...s.latencyMs,
          count: s.queries,
          measured_from: 'send',
          method: 'performance.now() around each search call, nearest-rank percentiles',
        },
        throughput: {
          items_per_s: s.qps,
          requests_per_s: s.qps,
          method: `wall clock, one thread, one query per call: measured queries / elapsed time of the measured loop (${s.warmup} warm-up queries excluded and not measured); per CPU second of the process ${s.qpsCpu.toFixed(1)} queries/s`,
        },
        memory: { peak_rss_bytes: m.peakRssBytes, method: 'resource_usage', scope: 'process' },
        cpu: {
          cpu_seconds_total: s.cpuSeconds,
          cpu_seconds_per_item: s.cpuSeconds / s.queries,
          method: 'resource_usage',
        },
        artifact: { artifact_bytes: m.indexBytes, method: 'reported' },
        quality: {
          values: { [`recall_at_${ctx.plan.k}`]: s.recall },
          method: `overlap with the ${meta.groundTruth} (recall@${ctx.plan.k})`,
        },
      },
      status: 'complete',
      provenance: ctx.provenance,
      notes: [
        `build ${m.buildSeconds.toFixed(1)} s${m.cached ? ' (index reused from an earlier run of the same build; time of that build)' : ''}`,
        `index ${m.indexBytes} bytes = ${(m.indexBytes / meta.n).toFixed(1)} bytes/vector (${m.bytesMethod})`,
        `peak RSS ${m.peakRssBytes} bytes for the whole process incl. the loaded data set; ${Math.max(0, m.peakRssBytes - m.rssAfterLoadBytes)} bytes above the RSS after loading the data`,
        s.flopsPerQuery === undefined
          ? ''
          : `distance FLOPs per query ${Math.round(s.flopsPerQuery)} (reported by the index)`,
        ...Object.entries(m.facts).map(([k, v]) => `${k} ${v}`),
        ctx.note,
      ]
        .filter(Boolean)
        .join('; '),
    }
    return { file: `ann-${slug(meta.name)}-${method.id}-${slug(s.label)}.json`, result }
  })
}

/** Removes the result files of an earlier run on the same data set (so no stale setting lingers). */
export function clearOldResults(dir: string, meta: DatasetMeta): void {
  const prefix = `ann-${slug(meta.name)}-`
  let names: string[] = []
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) if (name.startsWith(prefix) && name.endsWith('.json')) rmSync(join(dir, name))
}

export async function writeAll(dir: string, items: { file: string; result: BenchResult }[]): Promise<void> {
  for (const { file, result } of items) await writeResult(join(dir, file), result)
}
