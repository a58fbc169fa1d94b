import { CompressError } from './errors.ts'
import { MODALITY, tokensOf } from './modality.ts'
import { type Reduction, reductionFromRepresentatives } from './reduction.ts'
import { matchRepresentatives, unitRows } from './tome.ts'
import { checkCount, checkFinite, checkLength, checkRatio } from './validate.ts'

/**
 * PuMer's ratios as released for ViLT on VQAv2/NLVR2 (`notes/cmd.md` of the reference):
 * prune 10% of the image tokens, merge 30% of them, merge 20% of the text tokens, at layers
 * 2, 5 and 8 of 12.
 */
export const PUMER_DEFAULTS = {
  prune: 0.1,
  merge: 0.3,
  mergeText: 0.2,
  /** The reducing layers of a 12-layer model; {@link pumerLayers} scales them to other depths. */
  layers: [2, 5, 8] as readonly number[],
  depth: 12,
} as const

/**
 * The default reducing layers for a model of `layers` layers: PuMer's 2/5/8 of 12 at the
 * same relative depths (rounded, deduplicated, within [0, layers)).
 */
export function pumerLayers(layers: number): number[] {
  checkCount('layers', layers, 1)
  const out = new Set<number>()
  for (const l of PUMER_DEFAULTS.layers)
    out.add(Math.min(layers - 1, Math.round((l * layers) / PUMER_DEFAULTS.depth)))
  return [...out].sort((a, b) => a - b)
}

/**
 * Text→image attention scores of PuMer's `mean_head` method: for each image token j,
 * `Σ_{i ∈ text} mean_h A[h, i, j] / textValid`.
 * @param attention `[heads, tokens, tokens]` attention probabilities (query rows, key columns)
 * @param textTokens query rows (text tokens)
 * @param imageTokens key columns (image tokens)
 * @param textValid the divisor (default the number of text tokens; the reference divides by the unpadded text length)
 * @returns `[imageTokens.length]` scores
 */
export function textToImageScores(
  attention: Float32Array,
  heads: number,
  tokens: number,
  textTokens: ArrayLike<number>,
  imageTokens: ArrayLike<number>,
  textValid = textTokens.length,
): Float32Array {
  checkCount('heads', heads, 1)
  checkCount('tokens', tokens)
  checkLength('attention', attention, heads * tokens * tokens, `[${heads}, ${tokens}, ${tokens}]`)
  for (const [name, list] of [
    ['textTokens', textTokens],
    ['imageTokens', imageTokens],
  ] as const) {
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!
      if (!Number.isInteger(t) || t < 0 || t >= tokens) {
        throw new CompressError(
          'INVALID_ARGUMENT',
          `${name}[${i}] = ${t} is not a token index in [0, ${tokens})`,
        )
      }
    }
  }
  if (!(textValid > 0)) throw new CompressError('INVALID_ARGUMENT', `textValid must be > 0, got ${textValid}`)
  const out = new Float32Array(imageTokens.length)
  for (let j = 0; j < imageTokens.length; j++) {
    const col = imageTokens[j]!
    let s = 0
    for (let h = 0; h < heads; h++) {
      const base = h * tokens * tokens
      for (let i = 0; i < textTokens.length; i++) s += attention[base + textTokens[i]! * tokens + col]!
    }
    out[j] = s / heads / textValid
  }
  return out
}

/** Inputs of {@link pumerReduce}. */
export interface PumerInput {
  tokens: number
  /** `[tokens, metricDim]` similarity features for the merges (keys averaged over heads). */
  metric: Float32Array
  metricDim: number
  /** `[tokens]` modality code of each token. */
  modality: Uint8Array
  /** `[image tokens]` text→image attention score of each image token, in token order ({@link textToImageScores}). */
  imageScores: Float32Array
  /** Fraction of the image tokens pruned (default {@link PUMER_DEFAULTS}.prune). */
  prune?: number
  /** Image tokens merged, as a fraction of the image tokens before pruning (default 0.3). */
  merge?: number
  /** Fraction of the text tokens merged (default 0.2). */
  mergeText?: number
  /** Never merge the first text token (a [CLS]; default true, as the reference). */
  protectFirstText?: boolean
  /** Codes of the two modalities (default {@link MODALITY}.TEXT / IMAGE); other tokens pass through. */
  textCode?: number
  imageCode?: number
}

/**
 * One PuMer reduction (Cao et al. 2023) at a reducing layer: text-informed pruning of image
 * tokens (keep the top `max(V − round(p·V), 1)` by text→image attention), then ToMe merging
 * of `round(m·V)` image tokens among the kept ones (the most-attended kept token protected)
 * and of `round(t·T)` text tokens, never across modalities. Tokens of other modalities
 * (registers) pass through. Survivors stay in positional order (the reference reorders kept
 * image tokens by score, which only a model with input position embeddings tolerates);
 * merged rows are combined with `reduceRows` (size-weighted) by the caller.
 */
export function pumerReduce(input: PumerInput): Reduction {
  const { tokens, metric, metricDim, modality, imageScores } = input
  const prune = input.prune ?? PUMER_DEFAULTS.prune
  const merge = input.merge ?? PUMER_DEFAULTS.merge
  const mergeText = input.mergeText ?? PUMER_DEFAULTS.mergeText
  checkRatio('prune', prune)
  checkRatio('merge', merge)
  checkRatio('mergeText', mergeText)
  checkCount('tokens', tokens)
  checkCount('metricDim', metricDim, 1)
  checkLength('metric', metric, tokens * metricDim, `[${tokens}, ${metricDim}]`)
  checkFinite('metric', metric)
  checkLength('modality', modality, tokens, `[${tokens}]`)
  const image = tokensOf(modality, input.imageCode ?? MODALITY.IMAGE)
  const text = tokensOf(modality, input.textCode ?? MODALITY.TEXT)
  checkLength('imageScores', imageScores, image.length, '[image tokens]')
  checkFinite('imageScores', imageScores)

  const rep = new Int32Array(tokens)
  for (let i = 0; i < tokens; i++) rep[i] = i
  const v = image.length
  if (v > 0) {
    // 1. Text-informed pruning: the top-`keep` by score (ties to the earlier token).
    const keep = Math.max(v - Math.round(prune * v), 1)
    const byScore = Array.from(image.keys()).sort((a, b) => imageScores[b]! - imageScores[a]! || a - b)
    const kept = byScore.slice(0, keep).sort((a, b) => a - b)
    for (const j of byScore.slice(keep)) rep[image[j]!] = -1
    // 2. Merge within the kept image tokens; the most-attended one is never merged.
    const top = byScore[0]!
    mergeGroup(
      rep,
      kept.map((j) => image[j]!),
      metric,
      metricDim,
      Math.round(merge * v),
      kept.indexOf(top),
    )
  }
  // 3. Merge within the text tokens.
  const protectText = (input.protectFirstText ?? true) && text.length > 0 ? 0 : -1
  mergeGroup(rep, Array.from(text), metric, metricDim, Math.round(mergeText * text.length), protectText)
  return reductionFromRepresentatives(rep)
}

/** Bipartite soft matching among the tokens `group` (ascending), writing merges into `rep`. */
function mergeGroup(
  rep: Int32Array,
  group: number[],
  metric: Float32Array,
  dim: number,
  r: number,
  protectLocal: number,
): void {
  const n = group.length
  if (r <= 0 || n < 2) return
  const unit = unitRows(metric, dim, group)
  const isProtected = new Uint8Array(n)
  if (protectLocal >= 0) isProtected[protectLocal] = 1
  const local = matchRepresentatives(unit, n, dim, r, isProtected).rep
  for (let k = 0; k < n; k++) if (local[k] !== k) rep[group[k]!] = group[local[k]!]!
}
