import { ModelError } from './errors.ts'
import type { TokenMeta } from './tokens.ts'

/**
 * One decoder layer's cache: keys (after k_norm and RoPE), values, and the original position and
 * log-size of every cached token. Layers may hold different numbers of tokens: a hook that dropped
 * tokens after layer i leaves layers > i with shorter caches, and generated tokens append to all.
 */
export class LayerKv {
  readonly kvDim: number
  length = 0
  k: Float32Array
  v: Float32Array
  positions: Int32Array
  logSizes: Float32Array
  modality: Uint8Array

  constructor(kvDim: number, capacity = 16) {
    this.kvDim = kvDim
    this.k = new Float32Array(capacity * kvDim)
    this.v = new Float32Array(capacity * kvDim)
    this.positions = new Int32Array(capacity)
    this.logSizes = new Float32Array(capacity)
    this.modality = new Uint8Array(capacity)
  }

  #grow(need: number): void {
    const cap = this.positions.length
    if (need <= cap) return
    const next = Math.max(need, cap * 2)
    const k = new Float32Array(next * this.kvDim)
    k.set(this.k.subarray(0, this.length * this.kvDim))
    const v = new Float32Array(next * this.kvDim)
    v.set(this.v.subarray(0, this.length * this.kvDim))
    const p = new Int32Array(next)
    p.set(this.positions.subarray(0, this.length))
    const s = new Float32Array(next)
    s.set(this.logSizes.subarray(0, this.length))
    const m = new Uint8Array(next)
    m.set(this.modality.subarray(0, this.length))
    this.modality = m
    this.k = k
    this.v = v
    this.positions = p
    this.logSizes = s
  }

  /** Append `n` tokens' keys and values `[n, kvDim]` with their metadata. */
  append(k: Float32Array, v: Float32Array, tokens: TokenMeta, n: number): void {
    if (k.length < n * this.kvDim || v.length < n * this.kvDim) {
      throw new ModelError(
        'INVALID_ARGUMENT',
        `kv cache: ${n} tokens need ${n * this.kvDim} values per tensor`,
      )
    }
    this.#grow(this.length + n)
    this.k.set(k.subarray(0, n * this.kvDim), this.length * this.kvDim)
    this.v.set(v.subarray(0, n * this.kvDim), this.length * this.kvDim)
    this.positions.set(tokens.positions.subarray(0, n), this.length)
    this.modality.set(tokens.modality.subarray(0, n), this.length)
    for (let i = 0; i < n; i++) this.logSizes[this.length + i] = Math.log(tokens.sizes[i]!)
    this.length += n
  }

  /** Views of the first `length` entries. */
  view(): {
    k: Float32Array
    v: Float32Array
    positions: Int32Array
    logSizes: Float32Array
    modality: Uint8Array
  } {
    return {
      modality: this.modality.subarray(0, this.length),
      k: this.k.subarray(0, this.length * this.kvDim),
      v: this.v.subarray(0, this.length * this.kvDim),
      positions: this.positions.subarray(0, this.length),
      logSizes: this.logSizes.subarray(0, this.length),
    }
  }
}

/** A decoder's KV cache: one {@link LayerKv} per layer and the position the next token takes. */
export class KvCache {
  readonly layers: LayerKv[]
  /** Original position of the next token (the prompt's length, whatever hooks dropped). */
  nextPosition = 0
  /**
   * Set when the prompt ran with proportional attention (merged tokens weigh by their size): later
   * steps on this cache keep adding log(size) of the cached keys.
   */
  proportionalAttention = false

  constructor(kvDims: readonly number[]) {
    this.layers = kvDims.map((d) => new LayerKv(d))
  }

  /** Tokens cached per layer. */
  lengths(): number[] {
    return this.layers.map((l) => l.length)
  }

  /** Bytes held by the cached keys and values. */
  bytes(): number {
    return this.layers.reduce((a, l) => a + l.length * l.kvDim * 8, 0)
  }
}
