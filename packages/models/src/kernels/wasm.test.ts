import { beforeAll, describe, expect, it } from 'vitest'
import { ModelError } from '../errors.ts'
import { type AttentionShape, WasmKernels } from './wasm.ts'
import { loadWasmKernels } from './wasm-node.ts'

function rand(n: number, seed: number): Float32Array {
  let a = seed >>> 0
  return Float32Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0
    return a / 2 ** 31 - 1
  })
}

// Straightforward f64 references of each operation.
function linearRef(
  x: Float32Array,
  w: Float32Array,
  rows: number,
  inDim: number,
  outDim: number,
  bias?: Float32Array,
) {
  const out = new Float64Array(rows * outDim)
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < outDim; o++) {
      let s = bias ? bias[o]! : 0
      for (let k = 0; k < inDim; k++) s += x[r * inDim + k]! * w[o * inDim + k]!
      out[r * outDim + o] = s
    }
  return out
}

function attentionRef(q: Float32Array, k: Float32Array, v: Float32Array, s: AttentionShape) {
  const { qLen, kvLen, qHeads, kvHeads, headDim: hd, scale } = s
  const out = new Float64Array(qLen * qHeads * hd)
  const group = qHeads / kvHeads
  for (let h = 0; h < qHeads; h++) {
    const kh = Math.floor(h / group)
    for (let i = 0; i < qLen; i++) {
      const n = s.causal === false ? kvLen : kvLen - qLen + i + 1
      const sc: number[] = []
      for (let j = 0; j < n; j++) {
        let d = 0
        for (let c = 0; c < hd; c++) d += q[(i * qHeads + h) * hd + c]! * k[(j * kvHeads + kh) * hd + c]!
        sc.push(d * scale + (s.bias ? s.bias[j]! : 0))
      }
      const m = Math.max(...sc)
      const e = sc.map((x) => Math.exp(x - m))
      const z = e.reduce((a, b) => a + b, 0)
      for (let c = 0; c < hd; c++) {
        let acc = 0
        for (let j = 0; j < n; j++) acc += (e[j]! / z) * v[(j * kvHeads + kh) * hd + c]!
        out[(i * qHeads + h) * hd + c] = acc
      }
    }
  }
  return out
}

function expectClose(actual: Float32Array, expected: ArrayLike<number>, tol: number) {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  for (let i = 0; i < actual.length; i++)
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)))
  expect(worst).toBeLessThan(tol)
}

for (const relaxed of [false, true]) {
  describe(`WASM kernels (${relaxed ? 'relaxed SIMD' : 'SIMD'})`, () => {
    let kernels: WasmKernels
    beforeAll(async () => {
      kernels = new WasmKernels(await loadWasmKernels({ relaxed }))
      expect(kernels.relaxed).toBe(relaxed)
    })

    it('linear equals the plain loop for tile edges (rows, outputs and inputs not multiples of the tile)', () => {
      for (const [rows, inDim, outDim] of [
        [1, 1, 1],
        [3, 5, 7],
        [4, 16, 8],
        [9, 33, 19],
        [17, 64, 40],
      ] as const) {
        const x = rand(rows * inDim, rows + inDim)
        const w = rand(outDim * inDim, outDim)
        const b = rand(outDim, 3)
        const out = new Float32Array(rows * outDim)
        kernels.linear(out, x, w, rows, inDim, outDim, b)
        expectClose(out, linearRef(x, w, rows, inDim, outDim, b), 1e-5)
        kernels.linear(out, x, w, rows, inDim, outDim)
        expectClose(out, linearRef(x, w, rows, inDim, outDim), 1e-5)
      }
    })

    it('reuses packed weights by identity and repacks after clearWeights', () => {
      const w = rand(8 * 4, 1)
      const x = rand(4, 2)
      const out = new Float32Array(8)
      kernels.linear(out, x, w, 1, 4, 8)
      const used = kernels.byteSize()
      kernels.linear(out, x, w, 1, 4, 8)
      expect(kernels.byteSize()).toBe(used)
      kernels.clearWeights()
      kernels.linear(out, x, w, 1, 4, 8)
      expectClose(out, linearRef(x, w, 1, 4, 8), 1e-6)
    })

    it('rmsNorm and layerNorm equal their definitions', () => {
      const rows = 5
      const dim = 38
      const x = rand(rows * dim, 4)
      const w = rand(dim, 5)
      const b = rand(dim, 6)
      const out = new Float32Array(rows * dim)
      kernels.rmsNorm(out, x, w, rows, dim, 1e-6)
      const ref = new Float64Array(rows * dim)
      for (let r = 0; r < rows; r++) {
        let ss = 0
        for (let d = 0; d < dim; d++) ss += x[r * dim + d]! ** 2
        for (let d = 0; d < dim; d++)
          ref[r * dim + d] = (x[r * dim + d]! / Math.sqrt(ss / dim + 1e-6)) * w[d]!
      }
      expectClose(out, ref, 1e-5)
      kernels.layerNorm(out, x, w, b, rows, dim, 1e-5)
      for (let r = 0; r < rows; r++) {
        let m = 0
        for (let d = 0; d < dim; d++) m += x[r * dim + d]! / dim
        let v = 0
        for (let d = 0; d < dim; d++) v += (x[r * dim + d]! - m) ** 2 / dim
        for (let d = 0; d < dim; d++)
          ref[r * dim + d] = ((x[r * dim + d]! - m) / Math.sqrt(v + 1e-5)) * w[d]! + b[d]!
      }
      expectClose(out, ref, 1e-5)
    })

    it('rope rotates each head by position (rotate-half convention)', () => {
      const tokens = 3
      const heads = 2
      const hd = 12
      const stride = heads * hd + 4 // rows may be wider than the rotated heads
      const x = rand(tokens * stride, 7)
      const y = x.slice()
      const positions = Int32Array.from([0, 5, 1000])
      kernels.rope(y, tokens, heads, hd, stride, positions, 10000)
      const ref = Float64Array.from(x)
      for (let t = 0; t < tokens; t++)
        for (let h = 0; h < heads; h++)
          for (let i = 0; i < hd / 2; i++) {
            const a = positions[t]! * 10000 ** ((-2 * i) / hd)
            const o = t * stride + h * hd
            ref[o + i] = x[o + i]! * Math.cos(a) - x[o + i + hd / 2]! * Math.sin(a)
            ref[o + i + hd / 2] = x[o + i + hd / 2]! * Math.cos(a) + x[o + i]! * Math.sin(a)
          }
      expectClose(y, ref, 2e-4) // f32 angles at position 1000, as PyTorch computes them
      expect(Array.from(y.subarray(0, hd))).toEqual(Array.from(x.subarray(0, hd))) // position 0
    })

    it('SiLU, GELU, SwiGLU and exp agree with Math', () => {
      const x = Float32Array.from(rand(103, 8), (v) => v * 12)
      const e = x.slice()
      kernels.exp(e)
      expectClose(
        e.map((v, i) => v / Math.exp(x[i]!)),
        new Float32Array(103).fill(1),
        1e-6,
      )
      const s = x.slice()
      kernels.silu(s)
      expectClose(
        s,
        Array.from(x, (v) => v / (1 + Math.exp(-v))),
        1e-6,
      )
      const g = x.slice()
      kernels.gelu(g)
      // erf from its series-free definition via the complementary error function of Math is not
      // available; Φ(x) = 0.5·erfc(−x/√2) equals 0.5·(1 + erf(x/√2)), checked against a 1e-12 erf.
      expectClose(
        g,
        Array.from(x, (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))),
        2e-6,
      )
      const sw = new Float32Array(2 * 7)
      const xin = rand(2 * 14, 9)
      kernels.swiglu(sw, xin, 2, 7)
      const ref: number[] = []
      for (let r = 0; r < 2; r++)
        for (let i = 0; i < 7; i++) {
          const a = xin[r * 14 + i]!
          ref.push((a / (1 + Math.exp(-a))) * xin[r * 14 + 7 + i]!)
        }
      expectClose(sw, ref, 1e-6)
      const sum = new Float32Array(103)
      kernels.add(sum, x, s)
      expectClose(
        sum,
        Array.from(x, (v, i) => v + s[i]!),
        1e-7,
      )
    })

    it('attention equals softmax(QKᵀ·scale)V with the causal mask, GQA and a key bias', () => {
      for (const shape of [
        { qLen: 7, kvLen: 7, qHeads: 4, kvHeads: 2, headDim: 8, scale: 0.35 },
        { qLen: 1, kvLen: 13, qHeads: 3, kvHeads: 1, headDim: 20, scale: 0.2 },
        { qLen: 5, kvLen: 9, qHeads: 2, kvHeads: 2, headDim: 64, scale: 0.125, causal: false },
        {
          qLen: 6,
          kvLen: 6,
          qHeads: 2,
          kvHeads: 1,
          headDim: 4,
          scale: 1,
          bias: Float32Array.from([0, 1, 0.5, 0, 2, 0]),
        },
      ] satisfies AttentionShape[]) {
        const q = rand(shape.qLen * shape.qHeads * shape.headDim, 10)
        const k = rand(shape.kvLen * shape.kvHeads * shape.headDim, 11)
        const v = rand(shape.kvLen * shape.kvHeads * shape.headDim, 12)
        const out = new Float32Array(q.length)
        kernels.attention(out, q, k, v, shape)
        expectClose(out, attentionRef(q, k, v, shape), 1e-5)
      }
    })

    it('refuses shapes that disagree with the arrays', () => {
      const out = new Float32Array(4)
      expect(() => kernels.linear(out, new Float32Array(3), new Float32Array(4), 1, 4, 1)).toThrow(ModelError)
      expect(() =>
        kernels.attention(out, out, out, out, {
          qLen: 1,
          kvLen: 1,
          qHeads: 3,
          kvHeads: 2,
          headDim: 4,
          scale: 1,
        }),
      ).toThrowError(/multiple of kvHeads/)
    })
  })
}

it('refuses a module that is not the kernels', () => {
  // An empty module: magic number and version only.
  const empty = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))
  expect(() => new WasmKernels(empty)).toThrowError(/no 'expInPlace' kernel/)
})

/** erf to ~1e-12 by its Taylor series (|x| < 3) or continued fraction, for the GELU reference. */
function erf(x: number): number {
  const ax = Math.abs(x)
  if (ax < 3) {
    let term = ax
    let sum = ax
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n
      sum += term / (2 * n + 1)
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum)
  }
  let f = 0
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f)
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f))
}
