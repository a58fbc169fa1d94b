import { RetrievalError } from './errors.ts'
import type { FusionMethod, FusionOptions, IndexSetFusion } from './types.ts'

/** One ranked list for fusion: rows best first, with its weight. */
export interface RankedList {
  rows: Int32Array
  weight: number
}

/** One ranked list with its scores (best first, in the list's own scale), for score fusion. */
export interface ScoredList extends RankedList {
  scores: Float32Array
}

/** Fused rows (best first) and their fused scores. */
export interface FusedList {
  rows: Int32Array
  scores: Float32Array
}

/** The fusion methods a hybrid search can use. */
export const FUSION_METHODS: readonly FusionMethod[] = ['rrf', 'convex']

/** RRF constant of Cormack et al. (2009); also the default of sets without a calibrated fusion. */
export const DEFAULT_RRF_K = 60

/**
 * What a hybrid search of an index set without a calibrated `fusion` in its manifest runs:
 * equal-weight RRF with k = 60, exactly as sets built before calibration existed.
 */
export const LEGACY_FUSION: Readonly<Omit<Required<FusionOptions>, 'depth'>> = {
  method: 'rrf',
  k: DEFAULT_RRF_K,
  denseWeight: 1,
  lexicalWeight: 1,
}

/**
 * Weighted reciprocal-rank fusion (Cormack, Clarke & Büttcher 2009):
 * `score(d) = Σ_m w_m / (k + rank_m(d))`, ranks 1-based; documents missing from a list get
 * nothing from it, and a list of weight 0 takes no part. Ties are broken by the better best
 * rank, then by row.
 * @example
 * reciprocalRankFusion([{ rows: dense, weight: 1 }, { rows: bm25, weight: 1 }], 60, 10)
 */
export function reciprocalRankFusion(lists: readonly RankedList[], k: number, limit: number): FusedList {
  const score = new Map<number, number>()
  const best = new Map<number, number>()
  for (const { rows, weight } of lists) {
    if (weight === 0) continue
    rows.forEach((row, i) => {
      score.set(row, (score.get(row) ?? 0) + weight / (k + i + 1))
      best.set(row, Math.min(best.get(row) ?? Number.POSITIVE_INFINITY, i))
    })
  }
  return top(score, best, limit)
}

/**
 * Convex combination of min-max normalised scores (the "convex combination" of Bruch, Gai &
 * Ingber 2023): each list's scores are mapped to [0, 1] — its first (best) hit to 1, its
 * last to 0, so a list whose scores grow worse downwards (an L2 distance) works too — and
 * `score(d) = Σ_m w_m · norm_m(d) / Σ_m w_m`; a document missing from a list gets 0 from it.
 * A list whose scores are all equal gives each of its documents 1; a list of weight 0 takes
 * no part. Ties are broken by the better best rank, then by row.
 * @example
 * convexFusion([{ rows: dense.ids, scores: dense.scores, weight: 0.3 }, { rows: bm25.rows, scores: bm25.scores, weight: 0.7 }], 10)
 */
export function convexFusion(lists: readonly ScoredList[], limit: number): FusedList {
  const score = new Map<number, number>()
  const best = new Map<number, number>()
  let total = 0
  for (const { weight } of lists) total += weight
  for (const { rows, scores, weight } of lists) {
    const n = Math.min(rows.length, scores.length)
    // A list of weight 0 takes no part, not even in breaking ties.
    if (n === 0 || weight === 0) continue
    const first = scores[0]!
    const span = first - scores[n - 1]!
    const share = total > 0 ? weight / total : 0
    for (let i = 0; i < n; i++) {
      const row = rows[i]!
      const norm = span === 0 ? 1 : (scores[i]! - scores[n - 1]!) / span
      score.set(row, (score.get(row) ?? 0) + share * norm)
      best.set(row, Math.min(best.get(row) ?? Number.POSITIVE_INFINITY, i))
    }
  }
  return top(score, best, limit)
}

function top(score: Map<number, number>, best: Map<number, number>, limit: number): FusedList {
  const ranked = [...score.entries()].sort(
    (a, b) => b[1] - a[1] || best.get(a[0])! - best.get(b[0])! || a[0] - b[0],
  )
  const kept = ranked.slice(0, limit)
  return { rows: Int32Array.from(kept, ([row]) => row), scores: Float32Array.from(kept, ([, s]) => s) }
}

/** Fuses a dense and a lexical list with resolved settings. */
export function fuse(
  dense: { rows: Int32Array; scores: Float32Array },
  lexical: { rows: Int32Array; scores: Float32Array },
  fusion: Omit<Required<FusionOptions>, 'depth'>,
  limit: number,
): FusedList {
  const lists: ScoredList[] = [
    { ...dense, weight: fusion.denseWeight },
    { ...lexical, weight: fusion.lexicalWeight },
  ]
  return fusion.method === 'convex'
    ? convexFusion(lists, limit)
    : reciprocalRankFusion(lists, fusion.k, limit)
}

function invalid(field: string, message: string): RetrievalError {
  return new RetrievalError('INVALID_QUERY', `${field}: ${message}`, { field })
}

/**
 * The fusion a hybrid search runs with: the request's `fusion` fields over the set's
 * calibrated fusion (or, for a set without one, equal-weight RRF with k = 60). A request that
 * names a `method` other than the set's starts from that method's defaults (k = 60, weights
 * 1), since weights fitted for one method mean nothing to the other. Every bad field throws
 * `INVALID_QUERY` naming it (`fusion.denseWeight`, ...).
 */
export function resolveFusion(
  request: FusionOptions | undefined,
  calibrated: IndexSetFusion | undefined,
  k: number,
): Required<FusionOptions> {
  if (request !== undefined && (typeof request !== 'object' || request === null || Array.isArray(request)))
    throw invalid('fusion', 'must be an object')
  const f = request ?? {}
  const method = f.method ?? calibrated?.method ?? LEGACY_FUSION.method
  if (!FUSION_METHODS.includes(method))
    throw invalid('fusion.method', `must be one of ${FUSION_METHODS.join(', ')}`)
  const base = calibrated !== undefined && calibrated.method === method ? calibrated : LEGACY_FUSION
  const weight = (w: unknown, field: string, fallback: number) => {
    if (w === undefined) return fallback
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      throw invalid(field, 'must be a finite number >= 0')
    return w
  }
  const rrfK = f.k ?? base.k
  if (typeof rrfK !== 'number' || !Number.isFinite(rrfK) || rrfK < 0)
    throw invalid('fusion.k', 'must be >= 0')
  const denseWeight = weight(f.denseWeight, 'fusion.denseWeight', base.denseWeight)
  const lexicalWeight = weight(f.lexicalWeight, 'fusion.lexicalWeight', base.lexicalWeight)
  if (denseWeight + lexicalWeight === 0)
    throw invalid(
      f.lexicalWeight !== undefined ? 'fusion.lexicalWeight' : 'fusion.denseWeight',
      'the dense and lexical weights must not both be 0',
    )
  const depth = f.depth ?? Math.max(100, k)
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1 || depth > 10_000)
    throw invalid('fusion.depth', 'must be an integer in 1..10000')
  return { method, k: rrfK, denseWeight, lexicalWeight, depth }
}
