import type { ClipConfig } from './config.ts'
import {
  type AttentionWeights,
  addInPlace,
  type Dense,
  dense,
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
import { kernels } from './kernels/index.ts'
import { checkImage } from './vit.ts'
import type { WeightStore } from './weights.ts'

interface ClipLayer {
  ln1: Norm
  attn: AttentionWeights
  ln2: Norm
  fc1: Dense
  fc2: Dense
}

function loadLayers(w: WeightStore, n: number, d: number, inner: number, eps: number): ClipLayer[] {
  const layers: ClipLayer[] = []
  for (let i = 0; i < n; i++) {
    const p = `encoder.layers.${i}.`
    layers.push({
      ln1: loadNorm(w, `${p}layer_norm1`, d, eps),
      attn: loadAttention(
        w,
        d,
        {
          q: `${p}self_attn.q_proj`,
          k: `${p}self_attn.k_proj`,
          v: `${p}self_attn.v_proj`,
          o: `${p}self_attn.out_proj`,
        },
        { qkv: true, o: true },
      ),
      ln2: loadNorm(w, `${p}layer_norm2`, d, eps),
      fc1: loadDense(w, `${p}mlp.fc1`, d, inner),
      fc2: loadDense(w, `${p}mlp.fc2`, inner, d),
    })
  }
  return layers
}

function runLayers(
  layers: ClipLayer[],
  x: Float32Array,
  n: number,
  d: number,
  heads: number,
  positions: Int32Array | undefined,
  flops: FlopCounter,
): void {
  for (const l of layers) {
    const a = selfAttention(l.attn, layerNorm(l.ln1, x, n, d), n, d, heads, { positions, flops })
    addInPlace(x, a.out)
    const inner = dense(l.fc1, layerNorm(l.ln2, x, n, d), n, flops)
    kernels.quickGelu(inner, inner.length)
    addInPlace(x, dense(l.fc2, inner, n, flops))
  }
}

function normalise(e: Float32Array): Float32Array {
  let s = 0
  for (const v of e) s += v * v
  const inv = 1 / Math.sqrt(s)
  return e.map((v) => v * inv)
}

/**
 * Two-tower CLIP with Hugging Face `CLIPModel` weight names: a causal text transformer pooled at the
 * first EOS and a ViT image tower pooled at [CLS], each projected (no bias) and L2-normalised.
 */
export class Clip {
  readonly config: ClipConfig
  #tokEmb: Float32Array
  #textPos: Float32Array
  #textLayers: ClipLayer[]
  #textFinal: Norm
  #textProj: Dense
  #patch: Dense
  #cls: Float32Array
  #visPos: Float32Array
  #pre: Norm
  #visLayers: ClipLayer[]
  #post: Norm
  #visProj: Dense
  /** exp(logit_scale): the temperature of image–text logits. */
  readonly logitScale: number

  private constructor(config: ClipConfig, w: WeightStore) {
    this.config = config
    const t = config.text_config
    const v = config.vision_config
    const tw = w.scope('text_model.')
    this.#tokEmb = tw.get('embeddings.token_embedding.weight', [t.vocab_size, t.hidden_size])
    this.#textPos = tw.get('embeddings.position_embedding.weight', [t.max_position_embeddings, t.hidden_size])
    this.#textLayers = loadLayers(
      tw,
      t.num_hidden_layers,
      t.hidden_size,
      t.intermediate_size,
      t.layer_norm_eps,
    )
    this.#textFinal = loadNorm(tw, 'final_layer_norm', t.hidden_size, t.layer_norm_eps)
    this.#textProj = loadDense(w, 'text_projection', t.hidden_size, config.projection_dim, false)
    const vw = w.scope('vision_model.')
    const n = (v.image_size / v.patch_size) ** 2
    this.#patch = {
      w: vw.get('embeddings.patch_embedding.weight', [
        v.hidden_size,
        v.num_channels,
        v.patch_size,
        v.patch_size,
      ]),
      inDim: v.num_channels * v.patch_size * v.patch_size,
      outDim: v.hidden_size,
    }
    this.#cls = vw.get('embeddings.class_embedding', [v.hidden_size])
    this.#visPos = vw.get('embeddings.position_embedding.weight', [n + 1, v.hidden_size])
    this.#pre = loadNorm(vw, 'pre_layrnorm', v.hidden_size, v.layer_norm_eps)
    this.#visLayers = loadLayers(
      vw,
      v.num_hidden_layers,
      v.hidden_size,
      v.intermediate_size,
      v.layer_norm_eps,
    )
    this.#post = loadNorm(vw, 'post_layernorm', v.hidden_size, v.layer_norm_eps)
    this.#visProj = loadDense(w, 'visual_projection', v.hidden_size, config.projection_dim, false)
    this.logitScale = Math.exp(w.get('logit_scale', [])[0]!)
  }

  static load(config: ClipConfig, w: WeightStore): Clip {
    return new Clip(config, w)
  }

  /** L2-normalised text embedding `[projection_dim]` of token ids (pooled at the first EOS, else the last token). */
  encodeText(ids: ArrayLike<number>, flops = new FlopCounter()): Float32Array {
    const t = this.config.text_config
    const d = t.hidden_size
    const n = ids.length
    if (n === 0) throw new ModelError('INVALID_ARGUMENT', 'clip: empty text')
    if (n > t.max_position_embeddings) {
      throw new ModelError(
        'CONTEXT_OVERFLOW',
        `clip: ${n} tokens exceed max_position_embeddings ${t.max_position_embeddings}`,
      )
    }
    const x = new Float32Array(n * d)
    let eos = -1
    for (let i = 0; i < n; i++) {
      const id = ids[i]!
      if (!Number.isInteger(id) || id < 0 || id >= t.vocab_size) {
        throw new ModelError(
          'TOKEN_OUT_OF_RANGE',
          `clip: token id ${id} at ${i} is outside the vocabulary of ${t.vocab_size}`,
        )
      }
      if (eos < 0 && id === t.eos_token_id) eos = i
      for (let j = 0; j < d; j++) x[i * d + j] = this.#tokEmb[id * d + j]! + this.#textPos[i * d + j]!
    }
    const positions = Int32Array.from({ length: n }, (_, i) => i)
    runLayers(this.#textLayers, x, n, d, t.num_attention_heads, positions, flops)
    const at = eos < 0 ? n - 1 : eos
    const pooled = layerNorm(this.#textFinal, x.subarray(at * d, (at + 1) * d), 1, d)
    return normalise(dense(this.#textProj, pooled, 1, flops))
  }

  /** L2-normalised image embedding `[projection_dim]` of one image `[channels, size, size]`. */
  encodeImage(pixels: Float32Array, flops = new FlopCounter()): Float32Array {
    const v = this.config.vision_config
    const d = v.hidden_size
    checkImage(pixels, v.num_channels, v.image_size, 'clip')
    const { patches, count } = patchify(pixels, v.num_channels, v.image_size, v.patch_size)
    const emb = dense(this.#patch, patches, count, flops)
    const n = count + 1
    const x0 = new Float32Array(n * d)
    x0.set(this.#cls, 0)
    x0.set(emb, d)
    addInPlace(x0, this.#visPos)
    const x = layerNorm(this.#pre, x0, n, d)
    runLayers(this.#visLayers, x, n, d, v.num_attention_heads, undefined, flops)
    const pooled = layerNorm(this.#post, x.subarray(0, d), 1, d)
    return normalise(dense(this.#visProj, pooled, 1, flops))
  }

  /** `logit_scale.exp() · image · text` for already-normalised embeddings. */
  similarity(image: Float32Array, text: Float32Array): number {
    let s = 0
    for (let i = 0; i < image.length; i++) s += image[i]! * text[i]!
    return this.logitScale * s
  }
}
