import { AnnError } from './errors.ts'
import type { FrontierPoint, SearchParams, SearchSettings } from './types.ts'
import { MAX_RERANK } from './validate.ts'

/**
 * Resolves a `{ budget }` or `{ targetRecall }` request against a tuned frontier:
 * the most accurate setting whose FLOPs fit the budget, or the cheapest whose recall
 * reaches the target. Returns undefined when the params ask for neither.
 */
export function resolveFromFrontier(
  frontier: readonly FrontierPoint[] | undefined,
  params: SearchParams,
): SearchSettings | undefined {
  const { budget, targetRecall } = params
  if (budget === undefined && targetRecall === undefined) return undefined
  if (budget !== undefined && targetRecall !== undefined) {
    throw new AnnError('INVALID_ARGUMENT', 'give either budget or targetRecall, not both')
  }
  for (const key of ['nprobe', 'clusterDims', 'scanDims', 'rerank', 'ef'] as const) {
    if (params[key] !== undefined) {
      throw new AnnError(
        'INVALID_ARGUMENT',
        `${key} cannot be combined with budget/targetRecall (they pick it)`,
      )
    }
  }
  if (!frontier || frontier.length === 0) {
    throw new AnnError('NO_FRONTIER', 'this index has no tuned frontier: run tune() first')
  }
  if (budget !== undefined) {
    if (typeof budget !== 'number' || Number.isNaN(budget) || budget <= 0) {
      throw new AnnError(
        'INVALID_ARGUMENT',
        `budget must be a positive number of FLOPs, got ${String(budget)}`,
      )
    }
    let best: FrontierPoint | undefined
    for (const point of frontier) {
      if (point.flops > budget) continue
      if (!best || point.recall > best.recall || (point.recall === best.recall && point.flops < best.flops))
        best = point
    }
    if (!best) {
      const cheapest = Math.min(...frontier.map((p) => p.flops))
      throw new AnnError(
        'UNREACHABLE_TARGET',
        `no tuned setting fits a budget of ${budget} FLOPs (the cheapest needs ${Math.ceil(cheapest)})`,
      )
    }
    return { ...best.settings }
  }
  if (typeof targetRecall !== 'number' || !(targetRecall >= 0 && targetRecall <= 1)) {
    throw new AnnError('INVALID_ARGUMENT', `targetRecall must be in [0, 1], got ${String(targetRecall)}`)
  }
  let best: FrontierPoint | undefined
  for (const point of frontier) {
    if (point.recall < targetRecall) continue
    if (!best || point.flops < best.flops || (point.flops === best.flops && point.recall > best.recall))
      best = point
  }
  if (!best) {
    const top = Math.max(...frontier.map((p) => p.recall))
    throw new AnnError(
      'UNREACHABLE_TARGET',
      `no tuned setting reaches recall ${targetRecall} (the best reached ${top})`,
    )
  }
  return { ...best.settings }
}

/** Keeps the points no other point beats on both recall (higher) and FLOPs (lower), by FLOPs ascending. */
export function paretoFrontier(points: readonly FrontierPoint[]): FrontierPoint[] {
  const sorted = [...points].sort((a, b) => a.flops - b.flops || b.recall - a.recall)
  const out: FrontierPoint[] = []
  let bestRecall = Number.NEGATIVE_INFINITY
  for (const p of sorted) {
    if (p.recall > bestRecall) {
      out.push(p)
      bestRecall = p.recall
    }
  }
  return out
}

/**
 * Checks a frontier read from a file against the index it belongs to; throws CORRUPT if it
 * is malformed or names settings the index cannot run (dims past `dims`, `nprobe` past
 * `nlist`, a re-rank depth past `MAX_RERANK`, a graph search width past `ef`, `nprobe` or
 * `clusterDims` for an index without lists), which would otherwise only fail at search.
 */
export function parseFrontier(
  value: unknown,
  limits: { dims: number; clusterDims?: number; nlist?: number; ef?: number },
): FrontierPoint[] | undefined {
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value)) throw new AnnError('CORRUPT', 'stored frontier is not an array')
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v)
  const optInt = (v: unknown, max = Number.MAX_SAFE_INTEGER) =>
    v === undefined || (typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= max)
  return value.map((p, i) => {
    const s = (p as { settings?: Record<string, unknown> })?.settings
    const point = p as FrontierPoint
    if (
      typeof p !== 'object' ||
      p === null ||
      typeof s !== 'object' ||
      s === null ||
      !num(point.recall) ||
      !num(point.flops) ||
      !num(point.k) ||
      !(point.recall >= 0 && point.recall <= 1) ||
      !(point.flops >= 0) ||
      !optInt(point.k) ||
      !optInt(s.scanDims, limits.dims) ||
      s.scanDims === undefined ||
      // nprobe and clusterDims exist only for indexes with lists (flat and binary refuse them).
      (limits.nlist === undefined ? s.nprobe !== undefined : !optInt(s.nprobe, limits.nlist)) ||
      (limits.clusterDims === undefined
        ? s.clusterDims !== undefined
        : !optInt(s.clusterDims, limits.clusterDims)) ||
      !optInt(s.rerank, MAX_RERANK) ||
      (limits.ef === undefined ? s.ef !== undefined : !optInt(s.ef, limits.ef))
    ) {
      throw new AnnError('CORRUPT', `stored frontier point ${i} is malformed`)
    }
    const settings: SearchSettings = { scanDims: s.scanDims as number }
    if (s.nprobe !== undefined) settings.nprobe = s.nprobe as number
    if (s.clusterDims !== undefined) settings.clusterDims = s.clusterDims as number
    if (s.rerank !== undefined) settings.rerank = s.rerank as number
    if (s.ef !== undefined) settings.ef = s.ef as number
    return { settings, recall: point.recall, k: point.k, flops: point.flops }
  })
}
