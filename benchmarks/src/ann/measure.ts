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
  /** Wall-clock rate: measured queries / elapsed time of the measured loop (the reported QPS). */
  qps: number
  /**
   * Measured queries / CPU seconds of the process during the measured phase (context: the rate of
   * one idle core on a shared machine; every search here runs on one thread).
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
 * Single-stream measurement of one setting: warm-up queries first (the last ones of the set, not
 * counted and never measured again), then the other queries in order, one at a time on this
 * thread. QPS is wall-clock: measured queries / the elapsed time of the measured loop (what one
 * thread serves, comparable across suites); each query is also timed for the latency
 * percentiles. Answers are converted to ids after the timed loop.
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
  // Warm-up queries come from the end of the set and are excluded from the measured ones.
  const warmup = Math.min(plan.warmup, Math.max(0, nq - Math.max(1, plan.minQueries)))
  for (let i = 0; i < warmup; i++) search(nq - 1 - i, k)
  const limit = nq - warmup
  const answers: Answer[] = []
  const lat = new Float64Array(limit)
  let measured = 0
  const budgetMs = plan.maxSeconds * 1000
  const cpu0 = process.cpuUsage()
  const wall0 = performance.now()
  for (let qi = 0; qi < limit; qi++) {
    const t0 = performance.now()
    const a = search(qi, k)
    const t1 = performance.now()
    answers.push(a)
    lat[qi] = t1 - t0
    measured++
    if (t1 - wall0 > budgetMs && measured >= plan.minQueries) break
  }
  const wallMs = performance.now() - wall0
  const cpu = process.cpuUsage(cpu0)
  const found = answers.map((a) => toIds(a.ids, k))
  const flops =
    answers[0]?.flops === undefined ? undefined : answers.reduce((s, a) => s + (a.flops ?? 0), 0) / measured
  return {
    label,
    params,
    queries: measured,
    warmup,
    wallSeconds: wallMs / 1000,
    qps: measured / (wallMs / 1000),
    qpsCpu: measured / Math.max(1e-6, (cpu.user + cpu.system) / 1e6),
    recall: recallAtK(found, gt, gtK, k),
    latencyMs: summarizeLatency(lat.subarray(0, measured)),
    flopsPerQuery: flops,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  }
}
