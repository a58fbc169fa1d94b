import { CompressError } from './errors.ts'
import {
  identityReduction,
  type Reduction,
  reduceRows,
  reduceSizes,
  reductionFromRepresentatives,
} from './reduction.ts'
import { checkCount, checkFinite, checkIndexSet, checkLength } from './validate.ts'

/** Output layout of a ToMe merge. */
export type MergeOrder =
  /**
   * ToMe's layout (`cat([unmerged A, B])` with A the even tokens, B the odd ones, as the
   * reference does with a class token): kept even tokens in index order, then every odd token.
   */
  | 'split'
  /** Survivors stay in their original relative order (what a causal or positional model needs). */
  | 'positional'

/** Options of {@link bipartiteSoftMatching}. */
export interface BipartiteOptions {
  /**
   * Token indices that are never merged away and never receive a merge (a CLS token at 0, a
   * distillation token at 1, registers). Default none.
   */
  protect?: ArrayLike<number>
  /** Output layout (default `'split'`). */
  order?: MergeOrder
}

/**
 * Rows of `metric` scaled to unit length (all-zero rows stay zero), in f64 for the dot
 * products: the rows listed in `rows`, or the first `rows` rows.
 */
export function unitRows(metric: Float32Array, dim: number, rows: number | readonly number[]): Float64Array {
  const n = typeof rows === 'number' ? rows : rows.length
  const out = new Float64Array(n * dim)
  for (let k = 0; k < n; k++) {
    const o = (typeof rows === 'number' ? k : rows[k]!) * dim
    let s = 0
    for (let d = 0; d < dim; d++) s += metric[o + d]! * metric[o + d]!
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0
    for (let d = 0; d < dim; d++) out[k * dim + d] = metric[o + d]! * inv
  }
  return out
}

/**
 * The representative map of one round of bipartite soft matching over `tokens` rows of a
 * normalised metric: `rep[i] = i` for survivors, `rep[i] = j` for an even token merged into
 * odd token j. Exported inside the package for PuMer, which matches within subsets.
 */
export function matchRepresentatives(
  unit: Float64Array,
  tokens: number,
  dim: number,
  r: number,
  isProtected: Uint8Array,
): { rep: Int32Array; merged: number } {
  const rep = new Int32Array(tokens)
  for (let i = 0; i < tokens; i++) rep[i] = i
  let protectedCount = 0
  for (let i = 0; i < tokens; i++) protectedCount += isProtected[i]!
  r = Math.min(r, Math.floor((tokens - protectedCount) / 2))
  if (r <= 0) return { rep, merged: 0 }
  // A = even tokens (sources), B = odd tokens (destinations); each A picks its most similar B.
  const candidates: { a: number; b: number; score: number }[] = []
  for (let a = 0; a < tokens; a += 2) {
    if (isProtected[a]) continue
    let best = -1
    let bestScore = Number.NEGATIVE_INFINITY
    const ao = a * dim
    for (let b = 1; b < tokens; b += 2) {
      if (isProtected[b]) continue
      const bo = b * dim
      let s = 0
      for (let d = 0; d < dim; d++) s += unit[ao + d]! * unit[bo + d]!
      if (s > bestScore) {
        bestScore = s
        best = b
      }
    }
    if (best >= 0) candidates.push({ a, b: best, score: bestScore })
  }
  // The r most similar edges merge; ties go to the earlier token (a stable order).
  candidates.sort((x, y) => y.score - x.score || x.a - y.a)
  const merged = Math.min(r, candidates.length)
  for (let e = 0; e < merged; e++) rep[candidates[e]!.a] = candidates[e]!.b
  return { rep, merged }
}

function protectMask(tokens: number, protect: ArrayLike<number> | undefined): Uint8Array {
  const mask = new Uint8Array(tokens)
  if (protect) {
    checkIndexSet('protect', protect, tokens)
    for (let i = 0; i < protect.length; i++) mask[protect[i]!] = 1
  }
  return mask
}

/**
 * ToMe's bipartite soft matching (Bolya et al. 2023): splits the tokens alternately into A
 * (even) and B (odd), links each A token to its most cosine-similar B token, and merges the
 * `r` A tokens with the most similar links into their partners. At most half of the
 * unprotected tokens merge per call, as in the reference.
 *
 * @param metric `[tokens, dim]` the similarity features, usually the keys averaged over
 *   heads ({@link meanOverHeads})
 * @param r tokens to remove
 * @returns the reduction (`tokens - r'` outputs, `r' = min(r, ⌊(tokens − protected)/2⌋)`)
 * @example
 * const red = bipartiteSoftMatching(keys, 197, 64, 13, { protect: [0] })
 * const merged = reduceRows(red, x, 768, sizes) // size-weighted mean
 * const newSizes = reduceSizes(red, sizes)
 */
export function bipartiteSoftMatching(
  metric: Float32Array,
  tokens: number,
  dim: number,
  r: number,
  options: BipartiteOptions = {},
): Reduction {
  checkCount('tokens', tokens)
  checkCount('dim', dim, 1)
  checkCount('r', r)
  checkLength('metric', metric, tokens * dim, `[${tokens}, ${dim}]`)
  checkFinite('metric', metric)
  const order = options.order ?? 'split'
  if (order !== 'split' && order !== 'positional') {
    throw new CompressError('INVALID_ARGUMENT', `order must be 'split' or 'positional', got ${String(order)}`)
  }
  const { rep, merged } = matchRepresentatives(
    unitRows(metric, dim, tokens),
    tokens,
    dim,
    r,
    protectMask(tokens, options.protect),
  )
  // Nothing merged: the identity in either layout, as the reference's `do_nothing`.
  if (merged === 0) return identityReduction(tokens)
  if (order === 'positional') return reductionFromRepresentatives(rep)
  const target = new Int32Array(tokens)
  let out = 0
  for (let a = 0; a < tokens; a += 2) if (rep[a] === a) target[a] = out++
  for (let b = 1; b < tokens; b += 2) target[b] = out++
  for (let a = 0; a < tokens; a += 2) if (rep[a] !== a) target[a] = target[rep[a]!]!
  return { inputTokens: tokens, outputTokens: out, target }
}

/** Inputs of {@link tomeMerge}. */
export interface TomeMergeInput extends BipartiteOptions {
  /** `[tokens, dim]` hidden states. */
  x: Float32Array
  tokens: number
  dim: number
  /** `[tokens, metricDim]` similarity features (keys averaged over heads). */
  metric: Float32Array
  metricDim: number
  /** Tokens to remove. */
  r: number
  /** `[tokens]` current sizes (default all 1). */
  sizes?: Float32Array
}

/** One ToMe step: matching, size-weighted merge of the hidden states, and the new sizes. */
export function tomeMerge(input: TomeMergeInput): {
  reduction: Reduction
  x: Float32Array
  sizes: Float32Array
} {
  const reduction = bipartiteSoftMatching(input.metric, input.tokens, input.metricDim, input.r, input)
  return {
    reduction,
    x: reduceRows(reduction, input.x, input.dim, input.sizes),
    sizes: reduceSizes(reduction, input.sizes),
  }
}

/**
 * The ToMe similarity metric from per-head keys: the mean over heads.
 * @param keys `[tokens, heads * headDim]` (heads side by side in each row)
 * @returns `[tokens, headDim]`
 */
export function meanOverHeads(
  keys: Float32Array,
  tokens: number,
  heads: number,
  headDim: number,
): Float32Array {
  checkCount('tokens', tokens)
  checkCount('heads', heads, 1)
  checkCount('headDim', headDim, 1)
  checkLength('keys', keys, tokens * heads * headDim, `[${tokens}, ${heads} * ${headDim}]`)
  const out = new Float32Array(tokens * headDim)
  for (let t = 0; t < tokens; t++) {
    const o = t * heads * headDim
    for (let d = 0; d < headDim; d++) {
      let s = 0
      for (let h = 0; h < heads; h++) s += keys[o + h * headDim + d]!
      out[t * headDim + d] = s / heads
    }
  }
  return out
}

/** A ToMe schedule: a constant r, a per-layer list, or `{ r, inflect }` (see {@link tomeSchedule}). */
export type TomeSchedule = number | readonly number[] | { r: number; inflect: number }

/**
 * Tokens to remove at each of `layers` layers, as ToMe's `parse_r`: a constant `r`; a list
 * (padded with zeros); or `{ r, inflect }`, a linear ramp from `⌊r(1 − inflect)⌋` to
 * `2r − ⌊r(1 − inflect)⌋` (`inflect = -1` is the paper's decreasing schedule, 2r down to 0).
 */
export function tomeSchedule(layers: number, schedule: TomeSchedule): number[] {
  checkCount('layers', layers)
  if (Array.isArray(schedule)) {
    const list = schedule as readonly number[]
    if (list.length > layers) {
      throw new CompressError(
        'INVALID_ARGUMENT',
        `the schedule lists ${list.length} layers, the model has ${layers}`,
      )
    }
    for (const [i, r] of list.entries()) checkCount(`schedule[${i}]`, r)
    return [...list, ...new Array<number>(layers - list.length).fill(0)]
  }
  let r: number
  let inflect = 0
  if (typeof schedule === 'number') r = schedule
  else {
    const s = schedule as { r: number; inflect: number }
    r = s.r
    inflect = s.inflect
    if (!Number.isFinite(inflect))
      throw new CompressError('INVALID_ARGUMENT', `inflect must be finite, got ${inflect}`)
  }
  checkCount('r', r)
  const min = Math.trunc(r * (1 - inflect))
  const max = 2 * r - min
  if (layers === 1) return [min]
  const step = (max - min) / (layers - 1)
  return Array.from({ length: layers }, (_, i) => Math.max(0, Math.trunc(min + step * i)))
}
