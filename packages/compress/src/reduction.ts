import { CompressError } from './errors.ts'
import { checkCount, checkLength } from './validate.ts'

/**
 * What a token reducer did to a sequence: every input token either went into one output
 * token (kept as is, or merged with others) or was dropped. Merges, pruning and register
 * drops are all reductions, so one set of functions carries hidden states, sizes, positions,
 * modalities, the source map and the KV cache through any of them.
 */
export interface Reduction {
  /** Tokens before. */
  readonly inputTokens: number
  /** Tokens after. */
  readonly outputTokens: number
  /** `[inputTokens]`: the output token that input token i went into, or -1 if it was dropped. */
  readonly target: Int32Array
}

/**
 * Checks a target map and wraps it as a {@link Reduction}: every entry is -1 or an output
 * index, and every output index receives at least one input token.
 */
export function makeReduction(target: Int32Array, outputTokens: number): Reduction {
  checkCount('outputTokens', outputTokens)
  const hit = new Uint8Array(outputTokens)
  for (let i = 0; i < target.length; i++) {
    const t = target[i]!
    if (t === -1) continue
    if (!Number.isInteger(t) || t < 0 || t >= outputTokens) {
      throw new CompressError(
        'INVALID_ARGUMENT',
        `target[${i}] = ${t} is not -1 or an output token in [0, ${outputTokens})`,
      )
    }
    hit[t] = 1
  }
  const empty = hit.indexOf(0)
  if (empty !== -1)
    throw new CompressError('INVALID_ARGUMENT', `output token ${empty} receives no input token`)
  return { inputTokens: target.length, outputTokens, target }
}

/** The reduction that keeps all `tokens` in place. */
export function identityReduction(tokens: number): Reduction {
  checkCount('tokens', tokens)
  const target = new Int32Array(tokens)
  for (let i = 0; i < tokens; i++) target[i] = i
  return { inputTokens: tokens, outputTokens: tokens, target }
}

/**
 * Builds a reduction from representatives: `rep[i]` is the input token that token i joins
 * (`rep[i] === i` for a surviving token) or -1 to drop it. Survivors keep their relative
 * order, so the output is in positional order.
 */
export function reductionFromRepresentatives(rep: Int32Array): Reduction {
  const n = rep.length
  const slot = new Int32Array(n).fill(-1)
  let out = 0
  for (let i = 0; i < n; i++) if (rep[i] === i) slot[i] = out++
  const target = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const r = rep[i]!
    if (r === -1) {
      target[i] = -1
      continue
    }
    const s = r >= 0 && r < n ? slot[r]! : -1
    if (s === -1)
      throw new CompressError('INVALID_ARGUMENT', `token ${i} joins token ${r}, which does not survive`)
    target[i] = s
  }
  return { inputTokens: n, outputTokens: out, target }
}

function checkInput(reduction: Reduction, name: string, array: ArrayLike<number>, width: number): void {
  checkLength(name, array, reduction.inputTokens * width, `[${reduction.inputTokens}, ${width}]`)
}

/**
 * Sizes after the reduction: each output token's size is the sum of the sizes of the tokens
 * that went into it (ToMe's size tracking).
 * @param sizes `[inputTokens]`; omitted means every token has size 1
 */
export function reduceSizes(reduction: Reduction, sizes?: Float32Array): Float32Array {
  if (sizes) checkInput(reduction, 'sizes', sizes, 1)
  const out = new Float32Array(reduction.outputTokens)
  const target = reduction.target
  for (let i = 0; i < target.length; i++) {
    const t = target[i]!
    if (t >= 0) out[t] = out[t]! + (sizes ? sizes[i]! : 1)
  }
  return out
}

/**
 * Rows after the reduction: each output row is the size-weighted mean of the rows that went
 * into it (ToMe's `merge_wavg`); a kept token's row is copied unchanged.
 * @param x `[inputTokens, dim]` row-major
 * @param sizes `[inputTokens]` weights; omitted means the plain mean
 * @returns `[outputTokens, dim]`
 */
export function reduceRows(
  reduction: Reduction,
  x: Float32Array,
  dim: number,
  sizes?: Float32Array,
): Float32Array {
  checkCount('dim', dim, 1)
  checkInput(reduction, 'x', x, dim)
  if (sizes) checkInput(reduction, 'sizes', sizes, 1)
  const out = new Float32Array(reduction.outputTokens * dim)
  const count = new Int32Array(reduction.outputTokens)
  const first = new Int32Array(reduction.outputTokens).fill(-1)
  const target = reduction.target
  for (let i = 0; i < target.length; i++) {
    const t = target[i]!
    if (t < 0) continue
    count[t]!++
    if (first[t] === -1) first[t] = i
  }
  // Accumulate in f64 only where a merge happened; single members are copied bit-exactly.
  const acc = new Float64Array(dim)
  const members: number[][] = []
  for (let i = 0; i < target.length; i++) {
    const t = target[i]!
    if (t < 0 || count[t]! < 2) continue
    const list = members[t]
    if (list) list.push(i)
    else members[t] = [i]
  }
  for (let t = 0; t < reduction.outputTokens; t++) {
    if (count[t] === 1) {
      const i = first[t]!
      out.set(x.subarray(i * dim, (i + 1) * dim), t * dim)
      continue
    }
    acc.fill(0)
    let w = 0
    for (const i of members[t]!) {
      const s = sizes ? sizes[i]! : 1
      w += s
      const o = i * dim
      for (let d = 0; d < dim; d++) acc[d] = acc[d]! + s * x[o + d]!
    }
    const o = t * dim
    for (let d = 0; d < dim; d++) out[o + d] = w > 0 ? acc[d]! / w : 0
  }
  return out
}

/**
 * Per-token integers after the reduction, taking the smallest value among the merged tokens
 * (for original positions: a merged token sits at its earliest source).
 */
export function reduceMin(reduction: Reduction, values: Int32Array): Int32Array {
  checkInput(reduction, 'values', values, 1)
  const out = new Int32Array(reduction.outputTokens).fill(0x7fffffff)
  const target = reduction.target
  for (let i = 0; i < target.length; i++) {
    const t = target[i]!
    if (t >= 0 && values[i]! < out[t]!) out[t] = values[i]!
  }
  return out
}

/**
 * Per-token labels (e.g. modality codes) after the reduction. Tokens merged together must
 * carry the same label; a reduction that mixes labels is refused.
 */
export function reduceLabels(reduction: Reduction, labels: Uint8Array): Uint8Array {
  checkInput(reduction, 'labels', labels, 1)
  const out = new Uint8Array(reduction.outputTokens)
  const set = new Uint8Array(reduction.outputTokens)
  const target = reduction.target
  for (let i = 0; i < target.length; i++) {
    const t = target[i]!
    if (t < 0) continue
    if (set[t] && out[t] !== labels[i]) {
      throw new CompressError(
        'INVALID_ARGUMENT',
        `output token ${t} merges labels ${out[t]} and ${labels[i]}`,
      )
    }
    out[t] = labels[i]!
    set[t] = 1
  }
  return out
}

/**
 * The input rows a drop-only reduction keeps, in output order (for slicing a KV cache).
 * Refused for a reduction that merges tokens.
 */
export function keptRows(reduction: Reduction): Int32Array {
  const out = new Int32Array(reduction.outputTokens).fill(-1)
  const target = reduction.target
  for (let i = 0; i < target.length; i++) {
    const t = target[i]!
    if (t < 0) continue
    if (out[t] !== -1) throw new CompressError('INVALID_ARGUMENT', `output token ${t} merges several tokens`)
    out[t] = i
  }
  return out
}

/** `first` then `second` as one reduction (`second.inputTokens` must be `first.outputTokens`). */
export function composeReductions(first: Reduction, second: Reduction): Reduction {
  if (second.inputTokens !== first.outputTokens) {
    throw new CompressError(
      'SHAPE_MISMATCH',
      `the second reduction takes ${second.inputTokens} tokens, the first gives ${first.outputTokens}`,
    )
  }
  const target = new Int32Array(first.inputTokens)
  for (let i = 0; i < target.length; i++) {
    const t = first.target[i]!
    target[i] = t < 0 ? -1 : second.target[t]!
  }
  return { inputTokens: first.inputTokens, outputTokens: second.outputTokens, target }
}

/**
 * The source map of a sequence that has not been reduced yet: original token i is current
 * token i. Carry it through reductions with {@link composeOrigin}.
 */
export function identityOrigin(tokens: number): Int32Array {
  return identityReduction(tokens).target
}

/**
 * The source map after one more reduction: `origin[o]` is the current token that original
 * token o lives in (-1 once dropped). This is what a UI draws merges from.
 */
export function composeOrigin(origin: Int32Array, reduction: Reduction): Int32Array {
  const out = new Int32Array(origin.length)
  for (let o = 0; o < origin.length; o++) {
    const c = origin[o]!
    if (c >= reduction.inputTokens) {
      throw new CompressError(
        'SHAPE_MISMATCH',
        `origin[${o}] = ${c} but the reduction takes ${reduction.inputTokens} tokens`,
      )
    }
    out[o] = c < 0 ? -1 : reduction.target[c]!
  }
  return out
}

/** The original tokens inside each current token (the inverse of a source map), ascending. */
export function sourcesOf(origin: Int32Array, tokens: number): Int32Array[] {
  const counts = new Int32Array(tokens)
  for (const c of origin) if (c >= 0 && c < tokens) counts[c]!++
  const out = Array.from(counts, (n) => new Int32Array(n))
  counts.fill(0)
  for (let o = 0; o < origin.length; o++) {
    const c = origin[o]!
    if (c >= 0 && c < tokens) out[c]![counts[c]!++] = o
  }
  return out
}

/**
 * The additive attention bias of ToMe's proportional attention: `log(size)` of each key
 * token, added to every query's scores before the softmax (`softmax(QKᵀ·scale + log s)`).
 * @param sizes `[tokens]`, each > 0
 */
export function proportionalAttentionBias(sizes: Float32Array): Float32Array {
  const out = new Float32Array(sizes.length)
  for (let i = 0; i < sizes.length; i++) {
    const s = sizes[i]!
    if (!(s > 0) || !Number.isFinite(s)) {
      throw new CompressError('INVALID_ARGUMENT', `sizes[${i}] = ${s}; token sizes must be finite and > 0`)
    }
    out[i] = Math.log(s)
  }
  return out
}
