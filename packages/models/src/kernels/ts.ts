import type { AttentionParams, Kernels } from './types.ts'

/** `out[rows, outDim] = x · wᵀ + bias`; four output features per pass so each x row is read once per four. */
export function linear(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  rows: number,
  inDim: number,
  outDim: number,
  bias?: Float32Array,
): void {
  const o4 = outDim - (outDim % 4)
  for (let r = 0; r < rows; r++) {
    const xo = r * inDim
    const oo = r * outDim
    let o = 0
    for (; o < o4; o += 4) {
      const w0 = o * inDim
      const w1 = w0 + inDim
      const w2 = w1 + inDim
      const w3 = w2 + inDim
      let s0 = 0
      let s1 = 0
      let s2 = 0
      let s3 = 0
      for (let i = 0; i < inDim; i++) {
        const xv = x[xo + i]!
        s0 += xv * w[w0 + i]!
        s1 += xv * w[w1 + i]!
        s2 += xv * w[w2 + i]!
        s3 += xv * w[w3 + i]!
      }
      if (bias) {
        s0 += bias[o]!
        s1 += bias[o + 1]!
        s2 += bias[o + 2]!
        s3 += bias[o + 3]!
      }
      out[oo + o] = s0
      out[oo + o + 1] = s1
      out[oo + o + 2] = s2
      out[oo + o + 3] = s3
    }
    for (; o < outDim; o++) {
      const wo = o * inDim
      let s = bias ? bias[o]! : 0
      for (let i = 0; i < inDim; i++) s += x[xo + i]! * w[wo + i]!
      out[oo + o] = s
    }
  }
}

export function rmsNorm(
  out: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  rows: number,
  dim: number,
  eps: number,
) {
  for (let r = 0; r < rows; r++) {
    const o = r * dim
    let ss = 0
    for (let i = 0; i < dim; i++) ss += x[o + i]! * x[o + i]!
    const inv = 1 / Math.sqrt(ss / dim + eps)
    for (let i = 0; i < dim; i++) out[o + i] = x[o + i]! * inv * weight[i]!
  }
}

export function layerNorm(
  out: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  rows: number,
  dim: number,
  eps: number,
) {
  for (let r = 0; r < rows; r++) {
    const o = r * dim
    let mean = 0
    for (let i = 0; i < dim; i++) mean += x[o + i]!
    mean /= dim
    let v = 0
    for (let i = 0; i < dim; i++) v += (x[o + i]! - mean) ** 2
    const inv = 1 / Math.sqrt(v / dim + eps)
    for (let i = 0; i < dim; i++) out[o + i] = (x[o + i]! - mean) * inv * weight[i]! + bias[i]!
  }
}

export function softmax(x: Float32Array, rows: number, cols: number) {
  for (let r = 0; r < rows; r++) {
    const o = r * cols
    let max = Number.NEGATIVE_INFINITY
    for (let i = 0; i < cols; i++) if (x[o + i]! > max) max = x[o + i]!
    let sum = 0
    for (let i = 0; i < cols; i++) {
      const e = Math.exp(x[o + i]! - max)
      x[o + i] = e
      sum += e
    }
    for (let i = 0; i < cols; i++) x[o + i] = x[o + i]! / sum
  }
}

export function silu(x: Float32Array, n: number) {
  for (let i = 0; i < n; i++) x[i] = x[i]! / (1 + Math.exp(-x[i]!))
}

/** erf with |error| < 1.2e-7 (Numerical Recipes' erfc Chebyshev fit). */
export function erf(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return x >= 0 ? 1 - r : r - 1
}

export function gelu(x: Float32Array, n: number) {
  for (let i = 0; i < n; i++) x[i] = 0.5 * x[i]! * (1 + erf(x[i]! * Math.SQRT1_2))
}

export function quickGelu(x: Float32Array, n: number) {
  for (let i = 0; i < n; i++) x[i] = x[i]! / (1 + Math.exp(-1.702 * x[i]!))
}

export function swiglu(out: Float32Array, gu: Float32Array, rows: number, ffn: number) {
  for (let r = 0; r < rows; r++) {
    const g = r * 2 * ffn
    const o = r * ffn
    for (let j = 0; j < ffn; j++) {
      const a = gu[g + j]!
      out[o + j] = (a / (1 + Math.exp(-a))) * gu[g + ffn + j]!
    }
  }
}

const invFreqCache = new Map<string, Float64Array>()
function invFreq(headDim: number, theta: number): Float64Array {
  const key = `${headDim}:${theta}`
  let f = invFreqCache.get(key)
  if (!f) {
    f = new Float64Array(headDim / 2)
    // Same float32 rounding of the frequencies as the PyTorch reference (theta ** (arange(0, d, 2) / d)).
    for (let i = 0; i < f.length; i++)
      f[i] = Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / headDim)))
    invFreqCache.set(key, f)
  }
  return f
}

export function rope(
  x: Float32Array,
  rows: number,
  heads: number,
  headDim: number,
  positions: Int32Array,
  theta: number,
) {
  const half = headDim / 2
  const inv = invFreq(headDim, theta)
  const cos = new Float64Array(half)
  const sin = new Float64Array(half)
  for (let r = 0; r < rows; r++) {
    const p = positions[r]!
    for (let i = 0; i < half; i++) {
      const a = Math.fround(p * inv[i]!)
      cos[i] = Math.fround(Math.cos(a))
      sin[i] = Math.fround(Math.sin(a))
    }
    for (let h = 0; h < heads; h++) {
      const o = r * heads * headDim + h * headDim
      for (let i = 0; i < half; i++) {
        const a = x[o + i]!
        const b = x[o + half + i]!
        x[o + i] = a * cos[i]! - b * sin[i]!
        x[o + half + i] = b * cos[i]! + a * sin[i]!
      }
    }
  }
}

export function attention(
  out: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  p: AttentionParams,
) {
  const { qLen, kLen, heads, kvHeads, headDim, qPositions, kPositions, keyBias, probs } = p
  const groups = heads / kvHeads
  const scale = 1 / Math.sqrt(headDim)
  const qStride = heads * headDim
  const kStride = kvHeads * headDim
  const scores = new Float64Array(kLen)
  const acc = new Float64Array(headDim)
  for (let h = 0; h < heads; h++) {
    const kvh = Math.floor(h / groups)
    for (let i = 0; i < qLen; i++) {
      const qo = i * qStride + h * headDim
      const qp = qPositions ? qPositions[i]! : 0
      let max = Number.NEGATIVE_INFINITY
      for (let j = 0; j < kLen; j++) {
        if (qPositions && kPositions && kPositions[j]! > qp) {
          scores[j] = Number.NEGATIVE_INFINITY
          continue
        }
        const ko = j * kStride + kvh * headDim
        let s = 0
        for (let d = 0; d < headDim; d++) s += q[qo + d]! * k[ko + d]!
        s *= scale
        if (keyBias) s += keyBias[j]!
        scores[j] = s
        if (s > max) max = s
      }
      let sum = 0
      for (let j = 0; j < kLen; j++) {
        const e = scores[j] === Number.NEGATIVE_INFINITY ? 0 : Math.exp(scores[j]! - max)
        scores[j] = e
        sum += e
      }
      const oo = i * qStride + h * headDim
      acc.fill(0)
      const po = (h * qLen + i) * kLen
      for (let j = 0; j < kLen; j++) {
        const w = scores[j]! / sum
        if (probs) probs[po + j] = w
        if (w === 0) continue
        const vo = j * kStride + kvh * headDim
        for (let d = 0; d < headDim; d++) acc[d] = acc[d]! + w * v[vo + d]!
      }
      for (let d = 0; d < headDim; d++) out[oo + d] = acc[d]!
    }
  }
}

/** The pure-TypeScript kernels: the reference every faster backend is tested against. */
export const tsKernels: Kernels = {
  linear,
  rmsNorm,
  layerNorm,
  softmax,
  silu,
  gelu,
  quickGelu,
  swiglu,
  rope,
  attention,
}
