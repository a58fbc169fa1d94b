/** Options of {@link Kernels.attention}; matrices are token-major, heads side by side in each row. */
export interface AttentionParams {
  /** Query rows; `q` is `[qLen, heads * headDim]`, `out` the same. */
  qLen: number
  /** Key/value rows; `k` and `v` are `[kLen, kvHeads * headDim]`. */
  kLen: number
  heads: number
  /** Key/value heads (grouped-query attention: query head `h` reads KV head `floor(h / (heads / kvHeads))`). */
  kvHeads: number
  headDim: number
  /**
   * Causal masking by position: query `i` sees key `j` only if `kPositions[j] <= qPositions[i]`.
   * Both absent: every query sees every key (encoders).
   */
  qPositions?: Int32Array
  kPositions?: Int32Array
  /** Added to every query's score of key `j` (`[kLen]`): a padding mask, or log(size) for ToMe's proportional attention. */
  keyBias?: Float32Array
  /** When given, receives the attention probabilities `[heads, qLen, kLen]` (0 where masked). */
  probs?: Float32Array
}

/**
 * The primitive ops every architecture calls, all on row-major f32 typed arrays, single-threaded.
 * A backend (the pure-TS one, a WASM SIMD one) implements them all with these exact signatures.
 */
export interface Kernels {
  /** `out[rows, outDim] = x[rows, inDim] · w[outDim, inDim]ᵀ (+ bias[outDim])`. */
  linear(
    out: Float32Array,
    x: Float32Array,
    w: Float32Array,
    rows: number,
    inDim: number,
    outDim: number,
    bias?: Float32Array,
  ): void
  /** `out = x * rsqrt(mean(x²) + eps) * weight` per row of `dim` (may be in place). */
  rmsNorm(
    out: Float32Array,
    x: Float32Array,
    weight: Float32Array,
    rows: number,
    dim: number,
    eps: number,
  ): void
  /** `out = (x - mean) / sqrt(var + eps) * weight + bias` per row (may be in place). */
  layerNorm(
    out: Float32Array,
    x: Float32Array,
    weight: Float32Array,
    bias: Float32Array,
    rows: number,
    dim: number,
    eps: number,
  ): void
  /** In-place softmax over each row of `cols`. */
  softmax(x: Float32Array, rows: number, cols: number): void
  /** In-place SiLU `x·σ(x)` over the first `n` values. */
  silu(x: Float32Array, n: number): void
  /** In-place exact (erf) GELU. */
  gelu(x: Float32Array, n: number): void
  /** In-place `x·σ(1.702x)` (OpenAI CLIP's GELU). */
  quickGelu(x: Float32Array, n: number): void
  /** SwiGLU: `out[r, j] = silu(gu[r, j]) * gu[r, ffn + j]` for `gu` `[rows, 2·ffn]` (gate first, as OpenELM's `proj_1`). */
  swiglu(out: Float32Array, gu: Float32Array, rows: number, ffn: number): void
  /**
   * In-place rotary embedding, rotate-half layout, on `x` `[rows, heads * headDim]` where row `r` sits at
   * `positions[r]`; `theta` is the base (10000).
   */
  rope(
    x: Float32Array,
    rows: number,
    heads: number,
    headDim: number,
    positions: Int32Array,
    theta: number,
  ): void
  /** Scaled dot-product attention `out = softmax(q·kᵀ/√d + mask + keyBias)·v` per head. */
  attention(out: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, p: AttentionParams): void
}
