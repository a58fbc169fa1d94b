import {
  bipartiteSoftMatching,
  type MergeOrder,
  pumerLayers,
  pumerReduce,
  type Reduction,
  reduceLabels,
  reduceMin,
  reduceRows,
  reduceSizes,
  textToImageScores,
  tokensOf,
} from '@frugal/compress'
import { ModelError } from './errors.ts'
import type { HookResult, LayerHook, LayerHookContext } from './hooks.ts'
import type { ReductionSpec } from './reduction-spec.ts'
import { MODALITY, type TokenMeta } from './tokens.ts'

/** Apply a @frugal/compress reduction to hidden states and token metadata (sizes summed, positions the earliest). */
export function applyReduction(
  r: Reduction,
  hidden: Float32Array,
  dim: number,
  tokens: TokenMeta,
): HookResult {
  return {
    hidden: reduceRows(r, hidden, dim, tokens.sizes),
    tokens: {
      modality: reduceLabels(r, tokens.modality),
      positions: reduceMin(r, tokens.positions),
      sizes: reduceSizes(r, tokens.sizes),
    },
  }
}

/**
 * ToMe (Bolya et al. 2023) as a hook: after the attention of each listed layer, merge `r` tokens by
 * bipartite soft matching on the keys averaged over heads, size-weighted; token 0 ([CLS]) is protected.
 * Run the model with `proportionalAttention` so merged tokens weigh by their size.
 */
export function tomeHook(opts: { r: number; layers?: readonly number[]; order?: MergeOrder }): LayerHook {
  const inLayer = (l: number) => opts.layers === undefined || opts.layers.includes(l)
  return {
    name: 'tome',
    wantsKeys: (layer, point) => point === 'attention' && inLayer(layer),
    afterAttention(ctx: LayerHookContext) {
      if (!inLayer(ctx.layer) || ctx.stage !== 'prefill' || opts.r <= 0) return undefined
      const n = ctx.tokens.positions.length
      if (!ctx.keys) throw new ModelError('INVALID_HOOK_RESULT', 'tome: the model gave no keys to the hook')
      const red = bipartiteSoftMatching(ctx.keys, n, ctx.headDim, opts.r, {
        protect: [0],
        order: opts.order ?? 'split',
      })
      if (red.outputTokens === n) return undefined
      return applyReduction(red, ctx.hidden, ctx.dim, ctx.tokens)
    },
  }
}

/**
 * PuMer (Cao et al. 2023) as a decoder hook: at each reducing layer, after attention, score image
 * tokens by text→image attention, keep the top `keep` fraction, merge `merge` of them and `text` of
 * the text tokens (never across modalities); registers pass through.
 */
export function pumerHook(opts: {
  keep: number
  merge: number
  text: number
  layers: readonly number[]
}): LayerHook {
  const at = (l: number, p: string) => p === 'attention' && opts.layers.includes(l)
  return {
    name: 'pumer',
    wantsAttention: at,
    wantsKeys: at,
    afterAttention(ctx: LayerHookContext) {
      if (!opts.layers.includes(ctx.layer) || ctx.stage !== 'prefill') return undefined
      const a = ctx.attention
      if (!a || !ctx.keys)
        throw new ModelError('INVALID_HOOK_RESULT', 'pumer: the model gave no attention or keys to the hook')
      const n = ctx.tokens.positions.length
      if (a.keys !== n)
        throw new ModelError('UNAVAILABLE', 'pumer: reduces the prompt in one pass (no earlier cache)')
      const text = tokensOf(ctx.tokens.modality, MODALITY.text)
      const image = tokensOf(ctx.tokens.modality, MODALITY.image)
      if (image.length === 0 || text.length === 0) return undefined
      const scores = textToImageScores(a.probs, a.heads, n, text, image)
      const red = pumerReduce({
        tokens: n,
        metric: ctx.keys,
        metricDim: ctx.headDim,
        modality: ctx.tokens.modality,
        imageScores: scores,
        prune: 1 - opts.keep,
        merge: opts.merge,
        mergeText: opts.text,
        protectFirstText: true,
      })
      if (red.outputTokens === n) return undefined
      return applyReduction(red, ctx.hidden, ctx.dim, ctx.tokens)
    },
  }
}

/** The hooks a spec asks for, split by where they run. */
export interface ReductionPlan {
  visionHooks: LayerHook[]
  decoderHooks: LayerHook[]
  /** Victor's visual-token drop. */
  dropVisualTokens: boolean
  /** Merged tokens present: run attention with log(size) biases. */
  proportionalAttention: boolean
}

/**
 * Turn a parsed spec into hooks for a model with `visionLayers` ViT blocks and `decoderLayers`
 * decoder blocks (0 when it has none). Parts the model cannot run are refused, never ignored:
 * `victor` on a model without registers, `pumer` without a decoder, layers beyond the depth.
 */
export function planReductions(
  spec: ReductionSpec,
  model: { visionLayers: number; decoderLayers: number; canDropVisual: boolean; positionalVision?: boolean },
): ReductionPlan {
  const plan: ReductionPlan = {
    visionHooks: [],
    decoderHooks: [],
    dropVisualTokens: false,
    proportionalAttention: false,
  }
  const refuse = (m: string) => new ModelError('INVALID_REDUCTION', `reduction spec: ${m}`)
  if (spec.tome) {
    if (model.visionLayers === 0) throw refuse('tome needs a vision tower')
    for (const l of spec.tome.layers ?? []) {
      if (l >= model.visionLayers)
        throw refuse(`tome layer ${l} is beyond the ${model.visionLayers} vision layers`)
    }
    plan.visionHooks.push(
      tomeHook({
        r: spec.tome.r,
        layers: spec.tome.layers,
        order: model.positionalVision ? 'positional' : 'split',
      }),
    )
    plan.proportionalAttention = true
  }
  if (spec.pumer) {
    if (model.decoderLayers === 0) throw refuse('pumer needs a decoder over image and text tokens')
    const layers = spec.pumer.layers ?? pumerLayers(model.decoderLayers)
    for (const l of layers) {
      if (l >= model.decoderLayers)
        throw refuse(`pumer layer ${l} is beyond the ${model.decoderLayers} decoder layers`)
    }
    plan.decoderHooks.push(pumerHook({ ...spec.pumer, layers }))
    if (spec.pumer.merge > 0 || spec.pumer.text > 0) plan.proportionalAttention = true
  }
  if (spec.victor) {
    if (!model.canDropVisual)
      throw refuse('victor needs a model trained with registers and a visual_token_drop_layer')
    plan.dropVisualTokens = true
  }
  return plan
}
