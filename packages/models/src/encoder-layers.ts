import { FlopCounter } from './flops.ts'
import type { LayerHookContext } from './hooks.ts'
import { kernels } from './kernels/index.ts'
import type { TokenMeta } from './tokens.ts'
import type { WeightStore } from './weights.ts'

/** Weights of one multi-head self-attention (q/k/v/out projections, biases optional). */
export interface AttentionWeights {
  q: Float32Array
  qb?: Float32Array
  k: Float32Array
  kb?: Float32Array
  v: Float32Array
  vb?: Float32Array
  o: Float32Array
  ob?: Float32Array
}

/**
 * Read `[inner, d]` q/k/v and `[d, inner]` out weights (and biases where `bias` says) under the given
 * names; `inner` is `d` unless heads were pruned (then `heads left · head size`).
 */
export function loadAttention(
  w: WeightStore,
  d: number,
  names: { q: string; k: string; v: string; o: string },
  bias: { qkv: boolean; o: boolean },
  inner = d,
): AttentionWeights {
  return {
    q: w.get(`${names.q}.weight`, [inner, d]),
    qb: bias.qkv ? w.get(`${names.q}.bias`, [inner]) : undefined,
    k: w.get(`${names.k}.weight`, [inner, d]),
    kb: bias.qkv ? w.get(`${names.k}.bias`, [inner]) : undefined,
    v: w.get(`${names.v}.weight`, [inner, d]),
    vb: bias.qkv ? w.get(`${names.v}.bias`, [inner]) : undefined,
    o: w.get(`${names.o}.weight`, [d, inner]),
    ob: bias.o ? w.get(`${names.o}.bias`, [d]) : undefined,
  }
}

/** A `[out, in]` linear layer with its bias. */
export interface Dense {
  w: Float32Array
  b?: Float32Array
  inDim: number
  outDim: number
}

export function loadDense(w: WeightStore, name: string, inDim: number, outDim: number, bias = true): Dense {
  return {
    w: w.get(`${name}.weight`, [outDim, inDim]),
    b: bias ? w.get(`${name}.bias`, [outDim]) : undefined,
    inDim,
    outDim,
  }
}

/** `x [rows, inDim] -> [rows, outDim]`, counted in `flops`. */
export function dense(layer: Dense, x: Float32Array, rows: number, flops: FlopCounter): Float32Array {
  const out = new Float32Array(rows * layer.outDim)
  kernels.linear(out, x, layer.w, rows, layer.inDim, layer.outDim, layer.b)
  flops.addLinear(rows, layer.inDim, layer.outDim)
  return out
}

export interface SelfAttentionResult {
  /** After the output projection, `[n, d]`. */
  out: Float32Array
  probs?: Float32Array
  /** Keys averaged over heads `[n, d/heads]` (ToMe's metric). */
  keyMean?: Float32Array
}

/**
 * Bidirectional (or, with `positions`, causal) multi-head self-attention over `h` `[n, d]`.
 * `keyBias` `[n]` is added to every score of a key (padding mask, ToMe's log-size). `headDim`
 * defaults to `d / heads`; a pruned layer passes the original head size with fewer `heads`
 * (zero heads leave only the output projection's bias).
 */
export function selfAttention(
  a: AttentionWeights,
  h: Float32Array,
  n: number,
  d: number,
  heads: number,
  opts: {
    keyBias?: Float32Array
    positions?: Int32Array
    probs?: boolean
    keyMean?: boolean
    flops?: FlopCounter
    headDim?: number
  },
): SelfAttentionResult {
  const flops = opts.flops ?? new FlopCounter()
  const hd = opts.headDim ?? d / heads
  const inner = heads * hd
  const q = new Float32Array(n * inner)
  const k = new Float32Array(n * inner)
  const v = new Float32Array(n * inner)
  const probs = opts.probs ? new Float32Array(heads * n * n) : undefined
  const ctx = new Float32Array(n * inner)
  const out = new Float32Array(n * d)
  if (heads === 0) {
    if (a.ob) for (let t = 0; t < n; t++) out.set(a.ob, t * d)
    return { out, probs, keyMean: opts.keyMean ? new Float32Array(n * hd) : undefined }
  }
  kernels.linear(q, h, a.q, n, d, inner, a.qb)
  kernels.linear(k, h, a.k, n, d, inner, a.kb)
  kernels.linear(v, h, a.v, n, d, inner, a.vb)
  flops.addLinear(3 * n, d, inner)
  kernels.attention(ctx, q, k, v, {
    qLen: n,
    kLen: n,
    heads,
    kvHeads: heads,
    headDim: hd,
    qPositions: opts.positions,
    kPositions: opts.positions,
    keyBias: opts.keyBias,
    probs,
  })
  let pairs = n * n
  if (opts.positions) {
    pairs = 0
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) if (opts.positions[j]! <= opts.positions[i]!) pairs++
  }
  flops.addAttention(pairs, heads, hd)
  kernels.linear(out, ctx, a.o, n, inner, d, a.ob)
  flops.addLinear(n, inner, d)
  let keyMean: Float32Array | undefined
  if (opts.keyMean) {
    keyMean = new Float32Array(n * hd)
    for (let t = 0; t < n; t++)
      for (let hh = 0; hh < heads; hh++)
        for (let j = 0; j < hd; j++)
          keyMean[t * hd + j] = keyMean[t * hd + j]! + k[t * inner + hh * hd + j]! / heads
  }
  return { out, probs, keyMean }
}

/** A LayerNorm's weight and bias. */
export interface Norm {
  w: Float32Array
  b: Float32Array
  eps: number
}

export function loadNorm(w: WeightStore, name: string, d: number, eps: number): Norm {
  return { w: w.get(`${name}.weight`, [d]), b: w.get(`${name}.bias`, [d]), eps }
}

export function layerNorm(norm: Norm, x: Float32Array, rows: number, d: number): Float32Array {
  const out = new Float32Array(rows * d)
  kernels.layerNorm(out, x, norm.w, norm.b, rows, d, norm.eps)
  return out
}

/** `x += y` elementwise. */
export function addInPlace(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + y[i]!
}

/** Validate and normalise an image `[channels, size, size]` f32 array (already scaled to the model's range). */
export function patchify(
  pixels: Float32Array,
  channels: number,
  size: number,
  patch: number,
): { patches: Float32Array; count: number; patchDim: number } {
  const side = size / patch
  const count = side * side
  const patchDim = channels * patch * patch
  const patches = new Float32Array(count * patchDim)
  // Conv2d weight layout [out, c, ph, pw] flattened: element order c, ph, pw.
  for (let py = 0; py < side; py++) {
    for (let px = 0; px < side; px++) {
      const o = (py * side + px) * patchDim
      let at = 0
      for (let c = 0; c < channels; c++) {
        for (let y = 0; y < patch; y++) {
          const row = c * size * size + (py * patch + y) * size + px * patch
          for (let xx = 0; xx < patch; xx++) patches[o + at++] = pixels[row + xx]!
        }
      }
    }
  }
  return { patches, count, patchDim }
}

/**
 * What an encoder block (BERT, ViT) shows its hooks after self-attention over `n` tokens, with no
 * cache: every token is both a query and a key, so the attention statistics cover `[heads, n, n]`.
 */
export function encoderHookContext(
  layer: number,
  numLayers: number,
  dim: number,
  headDim: number,
  heads: number,
  a: SelfAttentionResult,
  n: number,
  tokens: TokenMeta,
): Omit<LayerHookContext, 'point' | 'hidden' | 'tokens'> {
  return {
    layer,
    numLayers,
    stage: 'prefill',
    dim,
    headDim,
    keys: a.keyMean,
    attention: a.probs ? { probs: a.probs, heads, queries: n, keys: n, keyTokens: tokens } : undefined,
  }
}
