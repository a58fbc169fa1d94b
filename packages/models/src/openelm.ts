import { type OpenElmConfig, openElmFfnDim } from './config.ts'
import { ModelError } from './errors.ts'
import { FlopCounter, visiblePairs } from './flops.ts'
import { type AttentionStats, hooksWant, type LayerHook, runHooks } from './hooks.ts'
import { kernels } from './kernels/index.ts'
import { KvCache } from './kv-cache.ts'
import { concatTokens, type TokenMeta } from './tokens.ts'
import type { WeightStore } from './weights.ts'

interface ElmLayer {
  nq: number
  nkv: number
  ffn: number
  attnNorm: Float32Array
  qkv: Float32Array
  qNorm?: Float32Array
  kNorm?: Float32Array
  outProj: Float32Array
  ffnNorm: Float32Array
  proj1: Float32Array
  proj2: Float32Array
}

/** Options of {@link OpenElm.forward}. */
export interface DecoderRunOptions {
  /** Cache to read and append to; without one the tokens attend only to each other. */
  cache?: KvCache
  hooks?: readonly LayerHook[]
  /** Which rows get logits: every remaining token, only the last, or none. Default `last`. */
  logits?: 'all' | 'last' | 'none'
  /** Keep the hidden states entering the first layer and leaving every layer. */
  hiddenStates?: boolean
  /** Add log(size) of every key to its scores (ToMe's proportional attention); default: what the cache's prompt used. */
  proportionalAttention?: boolean
  /** Keep each layer's keys before k_norm and RoPE, and its values (the auxiliary side of KV Prediction). */
  rawKv?: boolean
  stage?: 'prefill' | 'decode'
  flops?: FlopCounter
}

/** Output of {@link OpenElm.forward}. */
export interface DecoderOutput {
  /** `[rows, vocab]` for the rows chosen by `logits`. */
  logits: Float32Array
  rows: number
  /** Metadata of the tokens that left the last layer. */
  tokens: TokenMeta
  hiddenStates?: Float32Array[]
  /** Per layer: keys before k_norm/RoPE and values `[tokens, kvDim]` of the tokens that entered it. */
  rawKv?: { k: Float32Array; v: Float32Array; positions: Int32Array }[]
  flops: FlopCounter
}

/**
 * OpenELM decoder (Hugging Face `OpenELMForCausalLM` weights): per-layer query/KV heads and FFN
 * widths from the config, GQA, RoPE, RMSNorm on q and k, SwiGLU, no biases, tied or separate
 * output embeddings. Batch size 1; tokens carry {@link TokenMeta} so hooks can drop or merge them.
 */
export class OpenElm {
  readonly config: OpenElmConfig
  readonly layers: ElmLayer[]
  readonly embeddings: Float32Array
  readonly norm: Float32Array
  readonly lmHead: Float32Array

  private constructor(
    config: OpenElmConfig,
    layers: ElmLayer[],
    emb: Float32Array,
    norm: Float32Array,
    head: Float32Array,
  ) {
    this.config = config
    this.layers = layers
    this.embeddings = emb
    this.norm = norm
    this.lmHead = head
  }

  /** Read the weights named as in Hugging Face's OpenELM (`transformer.layers.N.attn.qkv_proj.weight`, ...). */
  static load(config: OpenElmConfig, w: WeightStore): OpenElm {
    const d = config.model_dim
    const hd = config.head_dim
    const layers: ElmLayer[] = []
    for (let i = 0; i < config.num_transformer_layers; i++) {
      const nq = config.num_query_heads[i]!
      const nkv = config.num_kv_heads[i]!
      const ffn = openElmFfnDim(config, i)
      const p = `transformer.layers.${i}.`
      layers.push({
        nq,
        nkv,
        ffn,
        attnNorm: w.get(`${p}attn_norm.weight`, [d]),
        qkv: w.get(`${p}attn.qkv_proj.weight`, [(nq + 2 * nkv) * hd, d]),
        qNorm: config.normalize_qk_projections ? w.get(`${p}attn.q_norm.weight`, [hd]) : undefined,
        kNorm: config.normalize_qk_projections ? w.get(`${p}attn.k_norm.weight`, [hd]) : undefined,
        outProj: w.get(`${p}attn.out_proj.weight`, [d, nq * hd]),
        ffnNorm: w.get(`${p}ffn_norm.weight`, [d]),
        proj1: w.get(`${p}ffn.proj_1.weight`, [2 * ffn, d]),
        proj2: w.get(`${p}ffn.proj_2.weight`, [d, ffn]),
      })
    }
    const emb = w.get('transformer.token_embeddings.weight', [config.vocab_size, d])
    const norm = w.get('transformer.norm.weight', [d])
    const head = config.share_input_output_layers ? emb : w.get('lm_head.weight', [config.vocab_size, d])
    return new OpenElm(config, layers, emb, norm, head)
  }

  get numLayers(): number {
    return this.layers.length
  }

  get dim(): number {
    return this.config.model_dim
  }

  get vocabSize(): number {
    return this.config.vocab_size
  }

  /** Number of parameters (the tied embedding counted once). */
  get parameters(): number {
    let n =
      this.embeddings.length + this.norm.length + (this.lmHead === this.embeddings ? 0 : this.lmHead.length)
    for (const l of this.layers) {
      n += l.attnNorm.length + l.qkv.length + (l.qNorm?.length ?? 0) + (l.kNorm?.length ?? 0)
      n += l.outProj.length + l.ffnNorm.length + l.proj1.length + l.proj2.length
    }
    return n
  }

  /** A cache sized for this model's layers. */
  newCache(): KvCache {
    return new KvCache(this.layers.map((l) => l.nkv * this.config.head_dim))
  }

  /** Embedding rows `[ids.length, dim]`; refuses ids outside the vocabulary. */
  embed(ids: ArrayLike<number>): Float32Array {
    const d = this.dim
    const out = new Float32Array(ids.length * d)
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new ModelError(
          'TOKEN_OUT_OF_RANGE',
          `token id ${id} at ${i} is outside the vocabulary of ${this.vocabSize}`,
        )
      }
      out.set(this.embeddings.subarray(id * d, (id + 1) * d), i * d)
    }
    return out
  }

  /** Apply k_norm and RoPE to raw keys `[n, nkv*hd]` of layer `i` in place (how keys enter the cache). */
  prepareKeys(i: number, k: Float32Array, positions: Int32Array): void {
    const l = this.layers[i]!
    const hd = this.config.head_dim
    const n = positions.length
    if (l.kNorm) kernels.rmsNorm(k, k, l.kNorm, n * l.nkv, hd, this.config.rms_norm_eps)
    kernels.rope(k, n, l.nkv, hd, positions, this.config.rope_freq_constant)
  }

  /**
   * Run the decoder over `embeds` `[tokens, dim]` whose metadata is `tokens`. With a cache the tokens
   * attend to the cached ones, and every layer appends the tokens it saw.
   */
  forward(embeds: Float32Array, tokens: TokenMeta, opts: DecoderRunOptions = {}): DecoderOutput {
    const cfg = this.config
    const d = cfg.model_dim
    const hd = cfg.head_dim
    const eps = cfg.rms_norm_eps
    const hooks = opts.hooks ?? []
    const flops = opts.flops ?? new FlopCounter()
    const stage = opts.stage ?? 'prefill'
    let n = tokens.positions.length
    if (embeds.length !== n * d) {
      throw new ModelError(
        'INVALID_ARGUMENT',
        `decoder input has ${embeds.length} values for ${n} tokens of ${d}`,
      )
    }
    const cache = opts.cache
    const proportional = opts.proportionalAttention ?? cache?.proportionalAttention ?? false
    if (cache && opts.proportionalAttention) cache.proportionalAttention = true
    if (cache && cache.layers.length !== this.numLayers) {
      throw new ModelError(
        'INVALID_ARGUMENT',
        `kv cache has ${cache.layers.length} layers, the model ${this.numLayers}`,
      )
    }
    let maxPos = -1
    for (const p of tokens.positions) if (p > maxPos) maxPos = p
    let x: Float32Array = new Float32Array(embeds)
    const hidden = opts.hiddenStates ? [new Float32Array(x)] : undefined
    const rawKv: DecoderOutput['rawKv'] = opts.rawKv ? [] : undefined
    for (let i = 0; i < this.numLayers; i++) {
      const l = this.layers[i]!
      const qDim = l.nq * hd
      const kvDim = l.nkv * hd
      const h = new Float32Array(n * d)
      kernels.rmsNorm(h, x, l.attnNorm, n, d, eps)
      const qkvDim = qDim + 2 * kvDim
      const qkv = new Float32Array(n * qkvDim)
      kernels.linear(qkv, h, l.qkv, n, d, qkvDim)
      flops.addLinear(n, d, qkvDim)
      const q = new Float32Array(n * qDim)
      const k = new Float32Array(n * kvDim)
      const v = new Float32Array(n * kvDim)
      for (let t = 0; t < n; t++) {
        const o = t * qkvDim
        q.set(qkv.subarray(o, o + qDim), t * qDim)
        k.set(qkv.subarray(o + qDim, o + qDim + kvDim), t * kvDim)
        v.set(qkv.subarray(o + qDim + kvDim, o + qkvDim), t * kvDim)
      }
      if (rawKv)
        rawKv.push({
          k: new Float32Array(k),
          v: new Float32Array(v),
          positions: new Int32Array(tokens.positions),
        })
      if (l.qNorm) kernels.rmsNorm(q, q, l.qNorm, n * l.nq, hd, eps)
      const wantKeys = hooksWant(hooks, i, 'keys')
      let keyMean: Float32Array | undefined
      if (l.kNorm) kernels.rmsNorm(k, k, l.kNorm, n * l.nkv, hd, eps)
      if (wantKeys) keyMean = meanHeads(k, n, l.nkv, hd)
      kernels.rope(q, n, l.nq, hd, tokens.positions, cfg.rope_freq_constant)
      kernels.rope(k, n, l.nkv, hd, tokens.positions, cfg.rope_freq_constant)
      let keys: Float32Array = k
      let values: Float32Array = v
      let kPos = tokens.positions
      let logSizes: Float32Array | undefined
      let keyTokens = tokens
      if (cache) {
        const lc = cache.layers[i]!
        const before = lc.length
        const cachedTokens = lc.view()
        const cachedMeta: TokenMeta = {
          modality: new Uint8Array(cachedTokens.modality),
          positions: new Int32Array(cachedTokens.positions),
          sizes: cachedTokens.logSizes.map(Math.exp),
        }
        lc.append(k, v, tokens, n)
        const all = lc.view()
        keys = all.k
        values = all.v
        kPos = all.positions
        logSizes = all.logSizes
        if (before > 0) keyTokens = concatTokens([cachedMeta, tokens])
      } else if (proportional) {
        logSizes = tokens.sizes.map(Math.log)
      }
      const kLen = kPos.length
      const wantAttn = hooksWant(hooks, i, 'attention')
      const probs = wantAttn ? new Float32Array(l.nq * n * kLen) : undefined
      const attnOut = new Float32Array(n * qDim)
      kernels.attention(attnOut, q, keys, values, {
        qLen: n,
        kLen,
        heads: l.nq,
        kvHeads: l.nkv,
        headDim: hd,
        qPositions: tokens.positions,
        kPositions: kPos,
        keyBias: proportional ? logSizes : undefined,
        probs,
      })
      flops.addAttention(visiblePairs(tokens.positions, kPos, n, kLen), l.nq, hd)
      const o = new Float32Array(n * d)
      kernels.linear(o, attnOut, l.outProj, n, qDim, d)
      flops.addLinear(n, qDim, d)
      for (let j = 0; j < x.length; j++) x[j] = x[j]! + o[j]!
      const attention: AttentionStats | undefined = probs
        ? { probs, heads: l.nq, queries: n, keys: kLen, keyTokens }
        : undefined
      const ctxBase = {
        layer: i,
        numLayers: this.numLayers,
        stage,
        dim: d,
        headDim: hd,
        attention,
        keys: keyMean,
      }
      let r = runHooks(hooks, { ...ctxBase, point: 'attention', hidden: x, tokens })
      x = r.hidden
      tokens = r.tokens
      n = tokens.positions.length
      const h2 = new Float32Array(n * d)
      kernels.rmsNorm(h2, x, l.ffnNorm, n, d, eps)
      const gu = new Float32Array(n * 2 * l.ffn)
      kernels.linear(gu, h2, l.proj1, n, d, 2 * l.ffn)
      flops.addLinear(n, d, 2 * l.ffn)
      const act = new Float32Array(n * l.ffn)
      kernels.swiglu(act, gu, n, l.ffn)
      const y = new Float32Array(n * d)
      kernels.linear(y, act, l.proj2, n, l.ffn, d)
      flops.addLinear(n, l.ffn, d)
      for (let j = 0; j < x.length; j++) x[j] = x[j]! + y[j]!
      const same = !r.changed
      r = runHooks(hooks, {
        ...ctxBase,
        attention: same ? attention : undefined,
        keys: same ? keyMean : undefined,
        point: 'layer',
        hidden: x,
        tokens,
      })
      x = r.hidden
      tokens = r.tokens
      n = tokens.positions.length
      hidden?.push(new Float32Array(x))
    }
    const mode = opts.logits ?? 'last'
    const rows = mode === 'all' ? n : mode === 'last' ? 1 : 0
    const logits = new Float32Array(rows * cfg.vocab_size)
    if (rows > 0) {
      const src = x.subarray((n - rows) * d, n * d)
      const normed = new Float32Array(rows * d)
      kernels.rmsNorm(normed, src, this.norm, rows, d, eps)
      kernels.linear(logits, normed, this.lmHead, rows, d, cfg.vocab_size)
      flops.addLinear(rows, d, cfg.vocab_size)
    }
    if (cache) cache.nextPosition = Math.max(cache.nextPosition, maxPos + 1)
    return { logits, rows, tokens, hiddenStates: hidden, rawKv, flops }
  }
}

/** Keys `[n, heads*hd]` averaged over heads → `[n, hd]`. */
function meanHeads(k: Float32Array, n: number, heads: number, hd: number): Float32Array {
  const out = new Float32Array(n * hd)
  for (let t = 0; t < n; t++) {
    for (let h = 0; h < heads; h++) {
      const o = (t * heads + h) * hd
      for (let j = 0; j < hd; j++) out[t * hd + j] = out[t * hd + j]! + k[o + j]! / heads
    }
  }
  return out
}
