import type { VlmConfig } from './config.ts'
import { type Dense, dense, loadDense } from './encoder-layers.ts'
import { ModelError } from './errors.ts'
import { FlopCounter } from './flops.ts'
import type { LayerHook } from './hooks.ts'
import { kernels } from './kernels/index.ts'
import type { KvCache } from './kv-cache.ts'
import { type DecoderOutput, OpenElm } from './openelm.ts'
import { concatTokens, freshTokens, MODALITY, selectTokens, type TokenMeta } from './tokens.ts'
import { Vit } from './vit.ts'
import type { WeightStore } from './weights.ts'

/** Options of {@link Vlm.prefill}. */
export interface VlmPrefillOptions {
  /** Hooks inside the vision tower (e.g. ToMe on the ViT). */
  visionHooks?: readonly LayerHook[]
  /** Hooks between decoder layers (e.g. PuMer on text→image attention). */
  hooks?: readonly LayerHook[]
  /**
   * Drop the visual tokens after decoder layer `visual_token_drop_layer - 1` (Victor); default true
   * when the config sets that layer. Models without registers refuse `true`.
   */
  dropVisualTokens?: boolean
  proportionalAttention?: boolean
  logits?: 'all' | 'last'
  hiddenStates?: boolean
  flops?: FlopCounter
}

/**
 * Victor's visual-token drop: after decoder layer `k - 1`, keep every token that is not an image
 * token. Layers before `k` keep their cache entries for the image tokens; later layers never see them.
 */
export function visualTokenDrop(k: number): LayerHook {
  return {
    name: 'visual-token-drop',
    afterLayer(ctx) {
      if (ctx.layer !== k - 1 || ctx.stage !== 'prefill') return undefined
      const keep: number[] = []
      for (let i = 0; i < ctx.tokens.modality.length; i++)
        if (ctx.tokens.modality[i] !== MODALITY.image) keep.push(i)
      if (keep.length === ctx.tokens.modality.length || keep.length === 0) return undefined
      return selectTokens(ctx.hidden, ctx.dim, ctx.tokens, keep)
    },
  }
}

/**
 * LLaVA-style VLM: ViT patch tokens (after its final LayerNorm, [CLS] dropped) → two-layer GELU
 * projector → `[visual ; registers ; text]` into an OpenELM decoder. Weight names `vision_tower.*`,
 * `multi_modal_projector.linear_{1,2}`, `register_tokens`, `language_model.*`.
 */
export class Vlm {
  readonly config: VlmConfig
  readonly vision: Vit
  readonly decoder: OpenElm
  #proj1: Dense
  #proj2: Dense
  #registers?: Float32Array

  private constructor(config: VlmConfig, w: WeightStore) {
    this.config = config
    const dv = config.vision_config.hidden_size
    const dt = config.text_config.model_dim
    this.vision = Vit.load(config.vision_config, w.scope('vision_tower.'))
    this.#proj1 = loadDense(w, 'multi_modal_projector.linear_1', dv, dt)
    this.#proj2 = loadDense(w, 'multi_modal_projector.linear_2', dt, dt)
    if (config.num_registers > 0) this.#registers = w.get('register_tokens', [config.num_registers, dt])
    this.decoder = OpenElm.load(config.text_config, w.scope('language_model.'))
  }

  static load(config: VlmConfig, w: WeightStore): Vlm {
    return new Vlm(config, w)
  }

  /** Decoder input `[visual ; registers ; text]` and its token metadata. */
  embed(
    pixels: Float32Array,
    ids: ArrayLike<number>,
    opts: { visionHooks?: readonly LayerHook[]; proportionalAttention?: boolean; flops: FlopCounter },
  ): { embeds: Float32Array; tokens: TokenMeta } {
    const v = this.vision.forward(pixels, {
      hooks: opts.visionHooks,
      proportionalAttention: opts.proportionalAttention,
      flops: opts.flops,
    })
    const dv = this.config.vision_config.hidden_size
    const nv = v.tokens.positions.length - 1
    const h = dense(this.#proj1, v.lastHidden.subarray(dv), nv, opts.flops)
    kernels.gelu(h, h.length)
    const visual = dense(this.#proj2, h, nv, opts.flops)
    const m = this.config.num_registers
    const text = this.decoder.embed(ids)
    const d = this.config.text_config.model_dim
    const embeds = new Float32Array((nv + m) * d + text.length)
    embeds.set(visual, 0)
    if (this.#registers) embeds.set(this.#registers, nv * d)
    embeds.set(text, (nv + m) * d)
    const vis = freshTokens(nv, 0, MODALITY.image)
    vis.sizes.set(v.tokens.sizes.subarray(1))
    const tokens = concatTokens([
      vis,
      freshTokens(m, nv, MODALITY.register),
      freshTokens(ids.length, nv + m, MODALITY.text),
    ])
    return { embeds, tokens }
  }

  /** Tokens the decoder sees before any reduction: visual + registers + `textTokens`. */
  promptLength(textTokens: number): number {
    return this.vision.numTokens - 1 + this.config.num_registers + textTokens
  }

  /** Run the image and question through the decoder, filling `cache`; returns the decoder output. */
  prefill(
    pixels: Float32Array,
    ids: ArrayLike<number>,
    cache: KvCache,
    opts: VlmPrefillOptions = {},
  ): DecoderOutput {
    const flops = opts.flops ?? new FlopCounter()
    const k = this.config.visual_token_drop_layer
    const drop = opts.dropVisualTokens ?? k !== null
    if (drop && k === null) {
      throw new ModelError(
        'UNAVAILABLE',
        'vlm: this model was not trained to drop visual tokens (no visual_token_drop_layer)',
      )
    }
    const total = this.promptLength(ids.length)
    if (total > this.config.text_config.max_context_length) {
      throw new ModelError(
        'CONTEXT_OVERFLOW',
        `vlm: ${total} prompt tokens exceed the decoder's context of ${this.config.text_config.max_context_length}`,
      )
    }
    const { embeds, tokens } = this.embed(pixels, ids, { ...opts, flops })
    const hooks = [...(opts.hooks ?? []), ...(drop && k !== null ? [visualTokenDrop(k)] : [])]
    return this.decoder.forward(embeds, tokens, {
      cache,
      hooks,
      logits: opts.logits ?? 'last',
      hiddenStates: opts.hiddenStates,
      proportionalAttention: opts.proportionalAttention,
      flops,
    })
  }
}
