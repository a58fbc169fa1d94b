import { type BertConfig, bertFfnDim, bertHeads } from './config.ts'
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
  selfAttention,
} from './encoder-layers.ts'
import { ModelError } from './errors.ts'
import { FlopCounter } from './flops.ts'
import { hooksWant, type LayerHook, runHooks } from './hooks.ts'
import { kernels } from './kernels/index.ts'
import { freshTokens, type TokenMeta } from './tokens.ts'
import type { WeightStore } from './weights.ts'

interface BertLayer {
  /** Attention heads left after `pruned_heads`. */
  heads: number
  attn: AttentionWeights
  attnNorm: Norm
  inter: Dense
  out: Dense
  outNorm: Norm
}

/** Input of {@link Bert.forward}: token ids, optional segment ids and attention mask (1 = real token). */
export interface BertInput {
  ids: ArrayLike<number>
  typeIds?: ArrayLike<number>
  attentionMask?: ArrayLike<number>
}

export interface BertOutput {
  /** `[tokens, hidden]` after the last layer (fewer tokens if hooks reduced them). */
  lastHidden: Float32Array
  tokens: TokenMeta
  hiddenStates?: Float32Array[]
  /** Classifier logits `[num_labels]` (BertForSequenceClassification). */
  logits?: Float32Array
  /** Reader start/end logits `[tokens]` (BertForQuestionAnswering). */
  startLogits?: Float32Array
  endLogits?: Float32Array
  /** Mean-pooled embedding `[hidden]` (BertModel); see {@link Bert.matryoshka}. */
  embedding?: Float32Array
  flops: FlopCounter
}

/**
 * BERT-style encoder with Hugging Face weight names (post-LayerNorm, exact GELU) and the head named by
 * `architectures[0]`: a classifier (pooler + `classifier`), an extractive reader (`qa_outputs`), or a
 * mean-pooled embedder whose prefixes of `matryoshka_dims` are usable embeddings. Structurally pruned
 * checkpoints (APT) are read with each layer's own head count (`pruned_heads`) and FFN width
 * (`intermediate_sizes`); weights whose shapes disagree are refused with `CONFIG_MISMATCH`.
 */
export class Bert {
  readonly config: BertConfig
  readonly head: BertConfig['architectures'][0]
  #wordEmb: Float32Array
  #posEmb: Float32Array
  #typeEmb: Float32Array
  #embNorm: Norm
  #layers: BertLayer[]
  #pooler?: Dense
  #classifier?: Dense
  #qa?: Dense

  private constructor(config: BertConfig, w: WeightStore) {
    this.config = config
    this.head = config.architectures[0]
    const d = config.hidden_size
    const eps = config.layer_norm_eps
    const b = this.head === 'BertModel' ? w : w.scope('bert.')
    this.#wordEmb = b.get('embeddings.word_embeddings.weight', [config.vocab_size, d])
    this.#posEmb = b.get('embeddings.position_embeddings.weight', [config.max_position_embeddings, d])
    this.#typeEmb = b.get('embeddings.token_type_embeddings.weight', [config.type_vocab_size, d])
    this.#embNorm = loadNorm(b, 'embeddings.LayerNorm', d, eps)
    this.#layers = []
    const headDim = d / config.num_attention_heads
    for (let i = 0; i < config.num_hidden_layers; i++) {
      const p = `encoder.layer.${i}.`
      const heads = bertHeads(config, i)
      const ffn = bertFfnDim(config, i)
      this.#layers.push({
        heads,
        attn: loadAttention(
          b,
          d,
          {
            q: `${p}attention.self.query`,
            k: `${p}attention.self.key`,
            v: `${p}attention.self.value`,
            o: `${p}attention.output.dense`,
          },
          { qkv: true, o: true },
          heads * headDim,
        ),
        attnNorm: loadNorm(b, `${p}attention.output.LayerNorm`, d, eps),
        inter: loadDense(b, `${p}intermediate.dense`, d, ffn),
        out: loadDense(b, `${p}output.dense`, ffn, d),
        outNorm: loadNorm(b, `${p}output.LayerNorm`, d, eps),
      })
    }
    if (this.head === 'BertForSequenceClassification') {
      const labels = config.num_labels ?? 2
      this.#pooler = loadDense(b, 'pooler.dense', d, d)
      this.#classifier = loadDense(w, 'classifier', d, labels)
    } else if (this.head === 'BertForQuestionAnswering') {
      this.#qa = loadDense(w, 'qa_outputs', d, 2)
    }
  }

  /** Read the weights of `config.architectures[0]` (`bert.*` + head, or the bare `BertModel` names). */
  static load(config: BertConfig, w: WeightStore): Bert {
    return new Bert(config, w)
  }

  get numLayers(): number {
    return this.#layers.length
  }

  /**
   * Encode one sequence. Hooks run after each block's attention (`attention`) and after the block
   * (`layer`); `proportionalAttention` adds log(size) of merged tokens to the scores.
   */
  forward(
    input: BertInput,
    opts: {
      hooks?: readonly LayerHook[]
      hiddenStates?: boolean
      proportionalAttention?: boolean
      flops?: FlopCounter
    } = {},
  ): BertOutput {
    const c = this.config
    const d = c.hidden_size
    let n = input.ids.length
    if (n === 0) throw new ModelError('INVALID_ARGUMENT', 'bert: empty input')
    if (n > c.max_position_embeddings) {
      throw new ModelError(
        'CONTEXT_OVERFLOW',
        `bert: ${n} tokens exceed max_position_embeddings ${c.max_position_embeddings}`,
      )
    }
    for (const [name, arr] of [
      ['typeIds', input.typeIds],
      ['attentionMask', input.attentionMask],
    ] as const) {
      if (arr && arr.length !== n)
        throw new ModelError('INVALID_ARGUMENT', `bert: ${name} has ${arr.length} entries for ${n} tokens`)
    }
    const flops = opts.flops ?? new FlopCounter()
    const hooks = opts.hooks ?? []
    let x: Float32Array = new Float32Array(n * d)
    for (let t = 0; t < n; t++) {
      const id = input.ids[t]!
      const type = input.typeIds?.[t] ?? 0
      if (!Number.isInteger(id) || id < 0 || id >= c.vocab_size) {
        throw new ModelError(
          'TOKEN_OUT_OF_RANGE',
          `bert: token id ${id} at ${t} is outside the vocabulary of ${c.vocab_size}`,
        )
      }
      if (!Number.isInteger(type) || type < 0 || type >= c.type_vocab_size) {
        throw new ModelError(
          'TOKEN_OUT_OF_RANGE',
          `bert: token type ${type} at ${t} is outside 0..${c.type_vocab_size - 1}`,
        )
      }
      for (let j = 0; j < d; j++) {
        x[t * d + j] = this.#wordEmb[id * d + j]! + this.#posEmb[t * d + j]! + this.#typeEmb[type * d + j]!
      }
    }
    x = layerNorm(this.#embNorm, x, n, d)
    let tokens = freshTokens(n)
    let mask: Float32Array = Float32Array.from({ length: n }, (_, t) =>
      input.attentionMask ? (input.attentionMask[t] ? 1 : 0) : 1,
    )
    const hidden = opts.hiddenStates ? [new Float32Array(x)] : undefined
    for (const [i, l] of this.#layers.entries()) {
      const keyBias = new Float32Array(n)
      for (let t = 0; t < n; t++) {
        keyBias[t] =
          (mask[t] ? 0 : -3.4028234663852886e38) +
          (opts.proportionalAttention ? Math.log(tokens.sizes[t]!) : 0)
      }
      const a = selfAttention(l.attn, x, n, d, l.heads, {
        headDim: d / c.num_attention_heads,
        keyBias,
        probs: hooksWant(hooks, i, 'attention'),
        keyMean: hooksWant(hooks, i, 'keys'),
        flops,
      })
      addInPlace(a.out, x)
      x = layerNorm(l.attnNorm, a.out, n, d)
      const ctx = encoderHookContext(i, this.numLayers, d, d / c.num_attention_heads, l.heads, a, n, tokens)
      const before = tokens
      let r = runHooks(hooks, { ...ctx, point: 'attention', hidden: x, tokens })
      ;({ hidden: x, tokens } = r)
      n = tokens.positions.length
      const inter = dense(l.inter, x, n, flops)
      kernels.gelu(inter, inter.length)
      const y = dense(l.out, inter, n, flops)
      addInPlace(y, x)
      x = layerNorm(l.outNorm, y, n, d)
      r = runHooks(hooks, {
        ...ctx,
        ...(r.changed ? { keys: undefined, attention: undefined } : {}),
        point: 'layer',
        hidden: x,
        tokens,
      })
      ;({ hidden: x, tokens } = r)
      n = tokens.positions.length
      if (tokens !== before) mask = remapMask(mask, before, tokens)
      hidden?.push(new Float32Array(x))
    }
    const out: BertOutput = { lastHidden: x, tokens, hiddenStates: hidden, flops }
    if (this.#pooler && this.#classifier) {
      const pooled = dense(this.#pooler, x.subarray(0, d), 1, flops)
      for (let j = 0; j < d; j++) pooled[j] = Math.tanh(pooled[j]!)
      out.logits = dense(this.#classifier, pooled, 1, flops)
    } else if (this.#qa) {
      const se = dense(this.#qa, x, n, flops)
      out.startLogits = Float32Array.from({ length: n }, (_, t) => se[2 * t]!)
      out.endLogits = Float32Array.from({ length: n }, (_, t) => se[2 * t + 1]!)
    } else {
      const e = new Float64Array(d)
      let total = 0
      for (let t = 0; t < n; t++) {
        const m = mask[t]! * tokens.sizes[t]!
        total += m
        for (let j = 0; j < d; j++) e[j] = e[j]! + m * x[t * d + j]!
      }
      out.embedding = Float32Array.from(e, (v) => v / total)
    }
    return out
  }

  /** The `dim`-prefix of an embedding, L2-normalised (one of `matryoshka_dims`, or any prefix length). */
  matryoshka(embedding: Float32Array, dim: number): Float32Array {
    if (!Number.isInteger(dim) || dim < 1 || dim > embedding.length) {
      throw new ModelError('INVALID_ARGUMENT', `matryoshka dim ${dim} outside 1..${embedding.length}`)
    }
    const e = embedding.slice(0, dim)
    let s = 0
    for (const v of e) s += v * v
    const inv = 1 / Math.sqrt(s)
    for (let j = 0; j < dim; j++) e[j] = e[j]! * inv
    return e
  }
}

/** After a hook changed the tokens, carry the padding mask over by original position. */
function remapMask(mask: Float32Array, before: TokenMeta, after: TokenMeta): Float32Array {
  const byPos = new Map<number, number>()
  for (let i = 0; i < before.positions.length; i++) byPos.set(before.positions[i]!, mask[i]!)
  return Float32Array.from(after.positions, (p) => byPos.get(p) ?? 1)
}
