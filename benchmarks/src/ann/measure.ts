import { type LatencySummary, summarizeLatency } from '@frugal/bench'
import type { Answer, Params } from './drivers.ts'
import { recallAtK } from './exact.ts'

/** What one search setting measured. */
export interface SettingMeasurement {
  label: string
  params: Params
  /** Queries in the measured phase (after warm-up). */
  queries: number
  warmup: number
  wallSeconds: number
  /** Measured queries / their summed wall time. */
  qps: number
  /**
   * Measured queries / CPU seconds of the process during the measured phase: the rate of one idle
   * core, robust to other work on a shared machine (every search here runs on one thread).
   */
  qpsCpu: number
  recall: number
  /** Nearest-rank percentiles, in milliseconds. */
  latencyMs: LatencySummary
  /** Mean distance FLOPs per query as reported by the index; undefined for peers. */
  flopsPerQuery: number | undefined
  /** User + system CPU seconds of the process during the measured phase (process.cpuUsage). */
  cpuSeconds: number
}

export interface TimingPlan {
  k: number
  /** Queries searched before measuring, not counted. */
  warmup: number
  /** The measured phase stops after this many seconds once `minQueries` were measured ... */
  maxSeconds: number
  minQueries: number
}

function toIds(ids: ArrayLike<number | bigint>, k: number): Int32Array {
  const out = new Int32Array(Math.min(k, ids.length))
  for (let j = 0; j < out.length; j++) out[j] = Number(ids[j])
  return out
}

/**
 * Single-stream measurement of one setting: warm-up queries first (not counted), then queries in
 * order, one at a time on this thread, each timed with `performance.now()`; QPS is measured
 * queries / their summed wall time. Answers are converted to ids after the timed loop.
 */
export function measureSetting(
  search: (query: number, k: number) => Answer,
  nq: number,
  gt: Int32Array,
  gtK: number,
  plan: TimingPlan,
  label: string,
  params: Params,
): SettingMeasurement {
  const { k } = plan
  const warmup = Math.min(plan.warmup, nq)
  for (let i = 0; i < warmup; i++) search(nq - 1 - i, k)
  const answers: Answer[] = []
  const lat = new Float64Array(nq)
  let total = 0
  let measured = 0
  const budgetMs = plan.maxSeconds * 1000
  const cpu0 = process.cpuUsage()
  for (let qi = 0; qi < nq; qi++) {
    const t0 = performance.now()
    const a = search(qi, k)
    const dt = performance.now() - t0
    answers.push(a)
    lat[qi] = dt
    total += dt
    measured++
    if (total > budgetMs && measured >= plan.minQueries) break
  }
  const cpu = process.cpuUsage(cpu0)
  const found = answers.map((a) => toIds(a.ids, k))
  const flops =
    answers[0]?.flops === undefined ? undefined : answers.reduce((s, a) => s + (a.flops ?? 0), 0) / measured
  return {
    label,
    params,
    queries: measured,
    warmup,
    wallSeconds: total / 1000,
    qps: measured / (total / 1000),
    qpsCpu: measured / Math.max(1e-6, (cpu.user + cpu.system) / 1e6),
    recall: recallAtK(found, gt, gtK, k),
    latencyMs: summarizeLatency(lat.subarray(0, measured)),
    flopsPerQuery: flops,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  }
}
