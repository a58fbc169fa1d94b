import type { VitConfig } from './config.ts'
import {
  type AttentionWeights,
  addInPlace,
  type Dense,
  dense,
  encoderHookContext,
  layerNorm,
  loadAttention,
  loadDense,
  loadNorm,
  type Norm,
  patchify,
  selfAttention,
} from './encoder-layers.ts'
import { ModelError } from './errors.ts'
import { FlopCounter } from './flops.ts'
import { hooksWant, type LayerHook, runHooks } from './hooks.ts'
import { kernels } from './kernels/index.ts'
import { freshTokens, MODALITY, type TokenMeta } from './tokens.ts'
import type { WeightStore } from './weights.ts'

interface VitLayer {
  before: Norm
  attn: AttentionWeights
  after: Norm
  inter: Dense
  out: Dense
}

export interface VitOutput {
  /** `[tokens, hidden]` after the final LayerNorm; token 0 is [CLS]. */
  lastHidden: Float32Array
  tokens: TokenMeta
  hiddenStates?: Float32Array[]
  /** Classifier logits `[num_labels]` read from [CLS] (ViTForImageClassification). */
  logits?: Float32Array
  flops: FlopCounter
}

/** Shape `[channels, size, size]` check of an input image. */
export function checkImage(pixels: Float32Array, channels: number, size: number, who: string): void {
  if (pixels.length !== channels * size * size) {
    throw new ModelError(
      'INVALID_ARGUMENT',
      `${who}: image has ${pixels.length} values, expected ${channels}×${size}×${size} = ${channels * size * size}`,
    )
  }
  for (let i = 0; i < pixels.length; i++) {
    if (!Number.isFinite(pixels[i]!))
      throw new ModelError('NOT_FINITE', `${who}: pixel value ${i} is not finite`)
  }
}

/**
 * Vision Transformer with Hugging Face `ViTModel` / `ViTForImageClassification` weight names:
 * patch embedding, [CLS], learned positions, pre-LayerNorm blocks, final LayerNorm. Hooks run after
 * each block's attention and after the block; [CLS] is token 0 with position 0 (reducers protect it).
 */
export class Vit {
  readonly config: VitConfig
  #patch: Dense
  #cls: Float32Array
  #pos: Float32Array
  #layers: VitLayer[]
  #final: Norm
  #classifier?: Dense

  private constructor(config: VitConfig, root: WeightStore) {
    this.config = config
    const c = config
    const d = c.hidden_size
    const eps = c.layer_norm_eps
    const w = c.num_labels > 0 ? root.scope('vit.') : root
    const patchDim = c.num_channels * c.patch_size * c.patch_size
    const n = (c.image_size / c.patch_size) ** 2
    this.#patch = {
      w: w.get('embeddings.patch_embeddings.projection.weight', [
        d,
        c.num_channels,
        c.patch_size,
        c.patch_size,
      ]),
      b: w.get('embeddings.patch_embeddings.projection.bias', [d]),
      inDim: patchDim,
      outDim: d,
    }
    this.#cls = w.get('embeddings.cls_token', [1, 1, d])
    this.#pos = w.get('embeddings.position_embeddings', [1, n + 1, d])
    this.#layers = []
    for (let i = 0; i < c.num_hidden_layers; i++) {
      const p = `encoder.layer.${i}.`
      this.#layers.push({
        before: loadNorm(w, `${p}layernorm_before`, d, eps),
        attn: loadAttention(
          w,
          d,
          {
            q: `${p}attention.attention.query`,
            k: `${p}attention.attention.key`,
            v: `${p}attention.attention.value`,
            o: `${p}attention.output.dense`,
          },
          { qkv: c.qkv_bias, o: true },
        ),
        after: loadNorm(w, `${p}layernorm_after`, d, eps),
        inter: loadDense(w, `${p}intermediate.dense`, d, c.intermediate_size),
        out: loadDense(w, `${p}output.dense`, c.intermediate_size, d),
      })
    }
    this.#final = loadNorm(w, 'layernorm', d, eps)
    if (c.num_labels > 0) this.#classifier = loadDense(root, 'classifier', d, c.num_labels)
  }

  static load(config: VitConfig, w: WeightStore): Vit {
    return new Vit(config, w)
  }

  get numLayers(): number {
    return this.#layers.length
  }

  /** Tokens entering the first block: 1 + (image_size / patch_size)². */
  get numTokens(): number {
    return 1 + (this.config.image_size / this.config.patch_size) ** 2
  }

  /** Run the ViT on one image `[channels, image_size, image_size]` (already normalised). */
  forward(
    pixels: Float32Array,
    opts: {
      hooks?: readonly LayerHook[]
      hiddenStates?: boolean
      proportionalAttention?: boolean
      flops?: FlopCounter
    } = {},
  ): VitOutput {
    const c = this.config
    const d = c.hidden_size
    checkImage(pixels, c.num_channels, c.image_size, 'vit')
    const flops = opts.flops ?? new FlopCounter()
    const hooks = opts.hooks ?? []
    const { patches, count } = patchify(pixels, c.num_channels, c.image_size, c.patch_size)
    const emb = dense(this.#patch, patches, count, flops)
    let n = count + 1
    let x: Float32Array = new Float32Array(n * d)
    x.set(this.#cls, 0)
    x.set(emb, d)
    addInPlace(x, this.#pos)
    let tokens = freshTokens(n, 0, MODALITY.image)
    const hidden = opts.hiddenStates ? [new Float32Array(x)] : undefined
    for (const [i, l] of this.#layers.entries()) {
      const h = layerNorm(l.before, x, n, d)
      const a = selfAttention(l.attn, h, n, d, c.num_attention_heads, {
        keyBias: opts.proportionalAttention ? tokens.sizes.map(Math.log) : undefined,
        probs: hooksWant(hooks, i, 'attention'),
        keyMean: hooksWant(hooks, i, 'keys'),
        flops,
      })
      addInPlace(x, a.out)
      const ctx = encoderHookContext(
        i,
        this.numLayers,
        d,
        d / c.num_attention_heads,
        c.num_attention_heads,
        a,
        n,
        tokens,
      )
      let r = runHooks(hooks, { ...ctx, point: 'attention', hidden: x, tokens })
      ;({ hidden: x, tokens } = r)
      n = tokens.positions.length
      const inter = dense(l.inter, layerNorm(l.after, x, n, d), n, flops)
      kernels.gelu(inter, inter.length)
      const y = dense(l.out, inter, n, flops)
      addInPlace(x, y)
      r = runHooks(hooks, {
        ...ctx,
        ...(r.changed ? { keys: undefined, attention: undefined } : {}),
        point: 'layer',
        hidden: x,
        tokens,
      })
      ;({ hidden: x, tokens } = r)
      n = tokens.positions.length
      hidden?.push(new Float32Array(x))
    }
    const last = layerNorm(this.#final, x, n, d)
    const out: VitOutput = { lastHidden: last, tokens, hiddenStates: hidden, flops }
    if (this.#classifier) out.logits = dense(this.#classifier, last.subarray(0, d), 1, flops)
    return out
  }
}
