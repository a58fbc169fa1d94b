import { AnnError } from './errors.ts'
import { FlatIndex } from './flat.ts'
import { paretoFrontier } from './frontier.ts'
import type { FrontierPoint, SearchSettings, VectorIndex } from './types.ts'
import { checkInt, checkQueries, checkVectors } from './validate.ts'

/** Exact neighbours of a query batch: `k` ids per query, row-major. */
export interface GroundTruth {
  ids: Int32Array
  k: number
}

export interface TuneOptions {
  /** Neighbours per query whose recall is measured (default 10). */
  k?: number
  /** Settings to measure (default: the index's `tuningGrid(k)`). */
  grid?: SearchSettings[]
  /** Exact neighbours of the queries (at least `k` per query). */
  groundTruth?: GroundTruth
  /** Base vectors (`size * dim`) to compute the ground truth from, with an exact flat search. */
  base?: Float32Array
  onProgress?: (done: number, total: number) => void
}

/** One measured setting. */
export interface Measurement {
  settings: SearchSettings
  /** Mean recall@k over the queries. */
  recall: number
  /** Mean FLOPs per query. */
  flops: number
  /** Mean candidates scored per query. */
  candidates: number
  /** Queries per second of this run (single-threaded, sequential). */
  qps: number
}

/**
 * Exact ground truth by a flat scan over `base` (the vectors the index was built from).
 */
export function exactGroundTruth(
  base: Float32Array,
  size: number,
  dim: number,
  metric: VectorIndex['metric'],
  queries: Float32Array,
  k: number,
): GroundTruth {
  checkVectors('base', base, size, dim)
  const flat = FlatIndex.build(base, size, dim, { metric })
  const count = checkQueries(queries, dim)
  const kk = Math.min(k, size)
  const ids = new Int32Array(count * kk).fill(-1)
  for (let i = 0; i < count; i++)
    ids.set(flat.search(queries.subarray(i * dim, (i + 1) * dim), kk).ids, i * kk)
  return { ids, k: kk }
}

/**
 * recall@k of one setting: the mean fraction of each query's true top-k found in its
 * returned top-k; also FLOPs, candidates and QPS.
 */
export function measure(
  index: VectorIndex,
  queries: Float32Array,
  truth: GroundTruth,
  k: number,
  settings: SearchSettings,
): Measurement {
  const count = checkQueries(queries, index.dim)
  checkTruth(truth, count, k)
  const start = performance.now()
  const results = index.searchBatch(queries, k, settings)
  const seconds = (performance.now() - start) / 1000
  let hits = 0
  let flops = 0
  let candidates = 0
  const want = Math.min(k, truth.k)
  for (let i = 0; i < count; i++) {
    const r = results[i]!
    const gt = truth.ids.subarray(i * truth.k, i * truth.k + want)
    for (const id of r.ids) if (gt.includes(id)) hits++
    flops += r.cost.flops
    candidates += r.cost.candidates
  }
  return {
    settings: results[0]?.settings ?? settings,
    recall: count ? hits / (count * want) : 0,
    flops: count ? flops / count : 0,
    candidates: count ? candidates / count : 0,
    qps: seconds > 0 ? count / seconds : Number.POSITIVE_INFINITY,
  }
}

/**
 * Measures recall@k against FLOPs per query over a grid of settings on held-out queries,
 * keeps the Pareto frontier (no other setting is both cheaper and more accurate), stores
 * it in `index.frontier` (saved by `serialize`) and returns it. Afterwards
 * `index.search(q, k, { budget })` and `{ targetRecall }` pick settings from it.
 * @example
 * tune(index, heldOut, { k: 10, base: vectors })
 * index.search(q, 10, { targetRecall: 0.95 })
 */
export function tune(index: VectorIndex, queries: Float32Array, options: TuneOptions = {}): FrontierPoint[] {
  const k = checkInt('k', options.k ?? 10, 1)
  const count = checkQueries(queries, index.dim)
  if (count === 0) throw new AnnError('INVALID_ARGUMENT', 'tune needs at least one held-out query')
  const grid = options.grid ?? index.tuningGrid?.(k)
  if (!grid || grid.length === 0)
    throw new AnnError('INVALID_ARGUMENT', 'no grid given and the index has no default grid')
  const truth = options.groundTruth ?? defaultTruth(index, queries, k, options.base)
  const points: FrontierPoint[] = []
  // Explicit settings must not be overridden by a previous frontier, so measure without one.
  const previous = index.frontier
  index.frontier = undefined
  try {
    grid.forEach((settings, i) => {
      const m = measure(index, queries, truth, k, settings)
      points.push({ settings: m.settings, recall: m.recall, k, flops: m.flops })
      options.onProgress?.(i + 1, grid.length)
    })
  } catch (error) {
    index.frontier = previous
    throw error
  }
  const frontier = paretoFrontier(points)
  index.frontier = frontier
  return frontier
}

function defaultTruth(
  index: VectorIndex,
  queries: Float32Array,
  k: number,
  base: Float32Array | undefined,
): GroundTruth {
  if (base) return exactGroundTruth(base, index.size, index.dim, index.metric, queries, k)
  throw new AnnError('INVALID_ARGUMENT', 'tune needs groundTruth or the base vectors to compute it')
}

function checkTruth(truth: GroundTruth, count: number, k: number): void {
  if (!truth || !(truth.ids instanceof Int32Array) || !Number.isInteger(truth.k) || truth.k < 1) {
    throw new AnnError('INVALID_ARGUMENT', 'groundTruth must be { ids: Int32Array, k }')
  }
  if (truth.ids.length !== count * truth.k) {
    throw new AnnError(
      'DIMENSION_MISMATCH',
      `groundTruth holds ${truth.ids.length} ids, expected ${count} queries x ${truth.k}`,
    )
  }
  if (truth.k < k)
    throw new AnnError(
      'INVALID_ARGUMENT',
      `groundTruth has ${truth.k} neighbours per query, fewer than k = ${k}`,
    )
}
