import { CompressError } from './errors.ts'
import { checkCount, checkLength } from './validate.ts'

/** Indices of the 1-entries of a 0/1 mask, refusing other values and an all-zero mask. */
function keptIndices(name: string, mask: Uint8Array, length: number): Int32Array {
  checkLength(name, mask, length, `[${length}]`)
  const out: number[] = []
  for (let i = 0; i < mask.length; i++) {
    const m = mask[i]!
    if (m !== 0 && m !== 1)
      throw new CompressError('INVALID_ARGUMENT', `${name}[${i}] = ${m}; expected 0 or 1`)
    if (m) out.push(i)
  }
  if (out.length === 0)
    throw new CompressError('INVALID_ARGUMENT', `${name} removes everything; keep at least one`)
  return Int32Array.from(out)
}

function checkBlocks(keep: ArrayLike<number>, extent: number, block: number): void {
  checkCount('block', block, 1)
  const blocks = Math.floor(extent / block)
  if (blocks * block !== extent) {
    throw new CompressError('INVALID_ARGUMENT', `block ${block} does not divide ${extent}`)
  }
  for (let k = 0; k < keep.length; k++) {
    const b = keep[k]!
    if (!Number.isInteger(b) || b < 0 || b >= blocks) {
      throw new CompressError('INVALID_ARGUMENT', `keep[${k}] = ${b} is not a block in [0, ${blocks})`)
    }
  }
}

/**
 * The rows of a row-major `[rows, cols]` matrix listed in `keep` (blocks of `block` rows
 * each: row block b is rows `b*block … b*block+block-1`).
 */
export function selectRowBlocks(
  w: Float32Array,
  rows: number,
  cols: number,
  keep: ArrayLike<number>,
  block = 1,
): Float32Array {
  checkLength('w', w, rows * cols, `[${rows}, ${cols}]`)
  checkBlocks(keep, rows, block)
  const out = new Float32Array(keep.length * block * cols)
  for (let k = 0; k < keep.length; k++) {
    const b = keep[k]!
    out.set(w.subarray(b * block * cols, (b + 1) * block * cols), k * block * cols)
  }
  return out
}

/** The columns (in blocks of `block`) of a row-major `[rows, cols]` matrix listed in `keep`. */
export function selectColumnBlocks(
  w: Float32Array,
  rows: number,
  cols: number,
  keep: ArrayLike<number>,
  block = 1,
): Float32Array {
  checkLength('w', w, rows * cols, `[${rows}, ${cols}]`)
  checkBlocks(keep, cols, block)
  const newCols = keep.length * block
  const out = new Float32Array(rows * newCols)
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < keep.length; k++) {
      const src = r * cols + keep[k]! * block
      out.set(w.subarray(src, src + block), r * newCols + k * block)
    }
  }
  return out
}

/**
 * A 0/1 mask keeping the `keep` highest scores (e.g. APT salience of heads or neurons); ties
 * go to the earlier index.
 */
export function topMask(scores: Float32Array, keep: number): Uint8Array {
  checkCount('keep', keep, 1)
  if (keep > scores.length)
    throw new CompressError('INVALID_ARGUMENT', `keep = ${keep} exceeds the ${scores.length} scores`)
  const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b)
  const mask = new Uint8Array(scores.length)
  for (let i = 0; i < keep; i++) mask[order[i]!] = 1
  return mask
}

/** One OpenELM attention layer's weights (Hugging Face names: `attn.qkv_proj`, `attn.out_proj`). */
export interface OpenElmAttentionWeights {
  /** `[(qHeads + 2·kvHeads)·headDim, dModel]`: query heads, then key heads, then value heads. */
  qkv: Float32Array
  /** `[dModel, qHeads·headDim]`. */
  out: Float32Array
  dModel: number
  headDim: number
  qHeads: number
  kvHeads: number
}

/**
 * Removes whole GQA groups from an OpenELM attention layer: kv head g and its
 * `qHeads/kvHeads` query heads go together, so the grouping stays uniform. Returns smaller
 * dense matrices and the new head counts (q_norm/k_norm weights are per head_dim and stay).
 * @param kvHeadMask `[kvHeads]` 1 = keep the group
 */
export function pruneOpenElmHeads(
  w: OpenElmAttentionWeights,
  kvHeadMask: Uint8Array,
): OpenElmAttentionWeights {
  const { dModel, headDim, qHeads, kvHeads } = w
  checkCount('dModel', dModel, 1)
  checkCount('headDim', headDim, 1)
  checkCount('kvHeads', kvHeads, 1)
  if (!Number.isInteger(qHeads / kvHeads) || qHeads < kvHeads) {
    throw new CompressError(
      'INVALID_ARGUMENT',
      `qHeads (${qHeads}) must be a multiple of kvHeads (${kvHeads})`,
    )
  }
  const groups = keptIndices('kvHeadMask', kvHeadMask, kvHeads)
  const perGroup = qHeads / kvHeads
  const rows = (qHeads + 2 * kvHeads) * headDim
  checkLength('qkv', w.qkv, rows * dModel, `[${rows}, ${dModel}]`)
  const qKeep: number[] = []
  for (const g of groups) for (let j = 0; j < perGroup; j++) qKeep.push(g * perGroup + j)
  // Head blocks of the fused projection: q heads 0..qHeads-1, k heads after them, v heads last.
  const blocks = [
    ...qKeep,
    ...Array.from(groups, (g) => qHeads + g),
    ...Array.from(groups, (g) => qHeads + kvHeads + g),
  ]
  return {
    qkv: selectRowBlocks(w.qkv, rows, dModel, blocks, headDim),
    out: selectColumnBlocks(w.out, dModel, qHeads * headDim, qKeep, headDim),
    dModel,
    headDim,
    qHeads: qKeep.length,
    kvHeads: groups.length,
  }
}

/** One OpenELM SwiGLU FFN's weights (`ffn.proj_1`, `ffn.proj_2`). */
export interface OpenElmFfnWeights {
  /** `[2·ffnDim, dModel]`: the gate half (SiLU), then the up half. */
  proj1: Float32Array
  /** `[dModel, ffnDim]`. */
  proj2: Float32Array
  dModel: number
  ffnDim: number
}

/**
 * Removes FFN neurons from an OpenELM SwiGLU block: neuron i is row i of the gate half, row
 * `ffnDim + i` of the up half and column i of `proj_2`.
 * @param neuronMask `[ffnDim]` 1 = keep
 */
export function pruneOpenElmFfn(w: OpenElmFfnWeights, neuronMask: Uint8Array): OpenElmFfnWeights {
  const { dModel, ffnDim } = w
  checkCount('dModel', dModel, 1)
  checkCount('ffnDim', ffnDim, 1)
  const keep = keptIndices('neuronMask', neuronMask, ffnDim)
  const rows = [...keep, ...Array.from(keep, (i) => ffnDim + i)]
  return {
    proj1: selectRowBlocks(w.proj1, 2 * ffnDim, dModel, rows),
    proj2: selectColumnBlocks(w.proj2, dModel, ffnDim, keep),
    dModel,
    ffnDim: keep.length,
  }
}

/** One BERT self-attention block (`attention.self.{query,key,value}`, `attention.output.dense`). */
export interface BertAttentionWeights {
  /** `[heads·headDim, dModel]` each, with `[heads·headDim]` biases. */
  query: Float32Array
  queryBias: Float32Array
  key: Float32Array
  keyBias: Float32Array
  value: Float32Array
  valueBias: Float32Array
  /** `[dModel, heads·headDim]`; its bias `[dModel]` does not change. */
  out: Float32Array
  outBias: Float32Array
  dModel: number
  heads: number
  headDim: number
}

/**
 * Removes attention heads from a BERT layer (rows of q/k/v and their biases, columns of the
 * output projection).
 * @param headMask `[heads]` 1 = keep
 */
export function pruneBertHeads(w: BertAttentionWeights, headMask: Uint8Array): BertAttentionWeights {
  const { dModel, heads, headDim } = w
  checkCount('dModel', dModel, 1)
  checkCount('heads', heads, 1)
  checkCount('headDim', headDim, 1)
  const keep = keptIndices('headMask', headMask, heads)
  const inner = heads * headDim
  checkLength('queryBias', w.queryBias, inner, `[${inner}]`)
  checkLength('keyBias', w.keyBias, inner, `[${inner}]`)
  checkLength('valueBias', w.valueBias, inner, `[${inner}]`)
  checkLength('outBias', w.outBias, dModel, `[${dModel}]`)
  return {
    query: selectRowBlocks(w.query, inner, dModel, keep, headDim),
    queryBias: selectRowBlocks(w.queryBias, inner, 1, keep, headDim),
    key: selectRowBlocks(w.key, inner, dModel, keep, headDim),
    keyBias: selectRowBlocks(w.keyBias, inner, 1, keep, headDim),
    value: selectRowBlocks(w.value, inner, dModel, keep, headDim),
    valueBias: selectRowBlocks(w.valueBias, inner, 1, keep, headDim),
    out: selectColumnBlocks(w.out, dModel, inner, keep, headDim),
    outBias: w.outBias.slice(),
    dModel,
    heads: keep.length,
    headDim,
  }
}

/** One BERT FFN (`intermediate.dense`, `output.dense`). */
export interface BertFfnWeights {
  /** `[ffnDim, dModel]` and `[ffnDim]`. */
  up: Float32Array
  upBias: Float32Array
  /** `[dModel, ffnDim]`; its bias `[dModel]` does not change. */
  down: Float32Array
  downBias: Float32Array
  dModel: number
  ffnDim: number
}

/**
 * Removes FFN neurons from a BERT layer (rows of the up projection and its bias, columns of
 * the down projection).
 * @param neuronMask `[ffnDim]` 1 = keep
 */
export function pruneBertFfn(w: BertFfnWeights, neuronMask: Uint8Array): BertFfnWeights {
  const { dModel, ffnDim } = w
  checkCount('dModel', dModel, 1)
  checkCount('ffnDim', ffnDim, 1)
  const keep = keptIndices('neuronMask', neuronMask, ffnDim)
  checkLength('upBias', w.upBias, ffnDim, `[${ffnDim}]`)
  checkLength('downBias', w.downBias, dModel, `[${dModel}]`)
  return {
    up: selectRowBlocks(w.up, ffnDim, dModel, keep),
    upBias: selectRowBlocks(w.upBias, ffnDim, 1, keep),
    down: selectColumnBlocks(w.down, dModel, ffnDim, keep),
    downBias: w.downBias.slice(),
    dModel,
    ffnDim: keep.length,
  }
}
