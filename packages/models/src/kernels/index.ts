import { tsKernels } from './ts.ts'
import type { AttentionParams, Kernels } from './types.ts'
import type { WasmKernels } from './wasm.ts'

export { tsKernels } from './ts.ts'
export type { AttentionParams, Kernels } from './types.ts'

/**
 * The kernels every architecture calls. Architectures read `kernels.linear` etc. at call time, so
 * {@link useKernels} swaps a backend (e.g. WASM SIMD) in for all models at once.
 */
export const kernels: Kernels = { ...tsKernels }

/**
 * Replace some or all kernels (a faster backend may implement only the hot ones); returns a function
 * that restores the previous set.
 */
export function useKernels(backend: Partial<Kernels>): () => void {
  const previous = { ...kernels }
  Object.assign(kernels, backend)
  return () => {
    Object.assign(kernels, previous)
  }
}

/**
 * Whether masking by position equals the WASM kernel's causal mask by index (query i sees keys
 * `0 … kLen − qLen + i`): keys in increasing position and each query at the position of its key.
 */
function indexCausal(p: AttentionParams): boolean {
  const { qPositions: qp, kPositions: kp, qLen, kLen } = p
  if (!qp || !kp) return false
  for (let j = 1; j < kLen; j++) if (kp[j]! <= kp[j - 1]!) return false
  for (let i = 0; i < qLen; i++) if (qp[i] !== kp[kLen - qLen + i]) return false
  return true
}

/**
 * The {@link Kernels} of a WASM SIMD module: matmul, norms, RoPE, activations and attention run in
 * WASM; attention falls back to TypeScript where the WASM kernel cannot express the request
 * (probabilities asked for, a mask by position that is not causal by index, a head size not a
 * multiple of 4). Use with {@link useKernels}.
 */
export function wasmKernelSet(k: WasmKernels): Kernels {
  return {
    linear: (out, x, w, rows, inDim, outDim, bias) => k.linear(out, x, w, rows, inDim, outDim, bias),
    rmsNorm: (out, x, w, rows, dim, eps) => k.rmsNorm(out, x, w, rows, dim, eps),
    layerNorm: (out, x, w, b, rows, dim, eps) => k.layerNorm(out, x, w, b, rows, dim, eps),
    softmax: tsKernels.softmax,
    silu: (x, n) => k.silu(x.subarray(0, n)),
    gelu: tsKernels.gelu,
    quickGelu: tsKernels.quickGelu,
    swiglu: (out, gu, rows, ffn) => k.swiglu(out, gu, rows, ffn),
    rope: (x, rows, heads, headDim, positions, theta) =>
      k.rope(x, rows, heads, headDim, heads * headDim, positions, theta),
    attention(out, q, kk, v, p) {
      const bidirectional = !p.qPositions && !p.kPositions
      if (p.probs || p.headDim % 4 !== 0 || !(bidirectional || indexCausal(p))) {
        tsKernels.attention(out, q, kk, v, p)
        return
      }
      k.attention(out, q, kk, v, {
        qLen: p.qLen,
        kvLen: p.kLen,
        qHeads: p.heads,
        kvHeads: p.kvHeads,
        headDim: p.headDim,
        scale: 1 / Math.sqrt(p.headDim),
        causal: !bidirectional,
        bias: p.keyBias,
      })
    },
  }
}
