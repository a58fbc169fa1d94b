import { beforeAll, describe, expect, it } from 'vitest'
import { ModelError } from '../errors.ts'
import { tsKernels } from './ts.ts'
import type { AttentionParams, Kernels } from './types.ts'
import { WasmKernels } from './wasm.ts'
import { loadWasmKernels } from './wasm-node.ts'

function rand(n: number, seed: number, scale = 1): Float32Array {
  let a = seed >>> 0
  return Float32Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0
    return (a / 2 ** 31 - 1) * scale
  })
}

/** Largest |a − b| / max(1, |b|). */
function relErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length)
  let worst = 0
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)))
  return worst
}

/** Runs one op on both backends with copies of the same inputs; returns both outputs. */
function both(wasm: Kernels, op: (k: Kernels, out: Float32Array) => void, outLength: number) {
  const a = new Float32Array(outLength)
  const b = new Float32Array(outLength)
  op(wasm, a)
  op(tsKernels, b)
  return [a, b] as const
}

for (const relaxed of [false, true]) {
  describe(`WASM kernels (${relaxed ? 'relaxed SIMD' : 'SIMD'}) equal the TypeScript kernels`, () => {
    let wasm: WasmKernels
    let k: Kernels
    beforeAll(async () => {
      wasm = new WasmKernels(await loadWasmKernels({ relaxed }))
      k = wasm.kernels()
      expect(wasm.relaxed).toBe(relaxed)
    })

    it('linear, across tile edges, with and without bias', () => {
      for (const [rows, inDim, outDim] of [
        [1, 1, 1],
        [3, 5, 7],
        [4, 16, 8],
        [9, 33, 19],
        [17, 64, 40],
      ] as const) {
        const x = rand(rows * inDim, rows + inDim)
        const w = rand(outDim * inDim, outDim)
        const bias = rand(outDim, 3)
        for (const b of [bias, undefined]) {
          const [a, r] = both(k, (kk, out) => kk.linear(out, x, w, rows, inDim, outDim, b), rows * outDim)
          expect(relErr(a, r)).toBeLessThan(1e-5)
        }
      }
    })

    it('finds packed weights again by their place in the buffer, and repacks after clearWeights', () => {
      const buffer = rand(2 * 8 * 4, 1)
      const w1 = buffer.subarray(0, 32)
      const w2 = buffer.subarray(32, 64)
      const x = rand(4, 2)
      const [a1, r1] = both(k, (kk, out) => kk.linear(out, x, w1, 1, 4, 8), 8)
      const [a2, r2] = both(k, (kk, out) => kk.linear(out, x, w2, 1, 4, 8), 8)
      expect(relErr(a1, r1)).toBeLessThan(1e-6)
      expect(relErr(a2, r2)).toBeLessThan(1e-6)
      const used = wasm.byteSize()
      k.linear(a1, x, buffer.subarray(0, 32), 1, 4, 8) // a new view of packed weights: no new packing
      expect(wasm.byteSize()).toBe(used)
      wasm.clearWeights()
      const [a3] = both(k, (kk, out) => kk.linear(out, x, w2, 1, 4, 8), 8)
      expect(relErr(a3, r2)).toBeLessThan(1e-6)
      // Weights rewritten in place are packed again.
      w2.set(rand(32, 99))
      const [a4, r4] = both(k, (kk, out) => kk.linear(out, x, w2, 1, 4, 8), 8)
      expect(relErr(a4, r4)).toBeLessThan(1e-6)
      expect(wasm.byteSize()).toBe(used)
    })

    it('rmsNorm, layerNorm and softmax', () => {
      const rows = 5
      const dim = 38
      const x = rand(rows * dim, 4, 3)
      const w = rand(dim, 5)
      const b = rand(dim, 6)
      let [a, r] = both(k, (kk, out) => kk.rmsNorm(out, x, w, rows, dim, 1e-6), rows * dim)
      expect(relErr(a, r)).toBeLessThan(1e-5)
      ;[a, r] = both(k, (kk, out) => kk.layerNorm(out, x, w, b, rows, dim, 1e-5), rows * dim)
      expect(relErr(a, r)).toBeLessThan(1e-5)
      ;[a, r] = both(
        k,
        (kk, out) => {
          out.set(x)
          kk.softmax(out, rows, dim)
        },
        rows * dim,
      )
      expect(relErr(a, r)).toBeLessThan(1e-6)
    })

    it('SiLU, GELU, quick GELU, SwiGLU and exp', () => {
      const x = rand(103, 8, 12)
      for (const op of ['silu', 'gelu', 'quickGelu'] as const) {
        const [a, r] = both(
          k,
          (kk, out) => {
            out.set(x)
            kk[op](out, 101) // the last two values stay untouched
          },
          103,
        )
        expect(relErr(a, r)).toBeLessThan(1e-6)
        expect(a[102]).toBe(x[102])
      }
      const gu = rand(3 * 14, 9, 4)
      const [a, r] = both(k, (kk, out) => kk.swiglu(out, gu, 3, 7), 3 * 7)
      expect(relErr(a, r)).toBeLessThan(1e-6)
      const e = x.slice()
      wasm.exp(e)
      for (let i = 0; i < x.length; i++) expect(Math.abs(e[i]! / Math.exp(x[i]!) - 1)).toBeLessThan(1e-6)
    })

    it('rope at large positions and odd head layouts', () => {
      for (const [rows, heads, hd] of [
        [3, 2, 12],
        [4, 3, 64],
        [2, 1, 6],
      ] as const) {
        const x = rand(rows * heads * hd, 7)
        const positions = Int32Array.from({ length: rows }, (_, i) => i * 997)
        const [a, r] = both(
          k,
          (kk, out) => {
            out.set(x)
            kk.rope(out, rows, heads, hd, positions, 10000)
          },
          x.length,
        )
        expect(relErr(a, r)).toBeLessThan(1e-6)
      }
    })

    it('attention: causal by position, GQA, key bias, probabilities, out-of-order positions', () => {
      const cases: AttentionParams[] = [
        {
          qLen: 7,
          kLen: 7,
          heads: 4,
          kvHeads: 2,
          headDim: 8,
          qPositions: Int32Array.from([0, 1, 2, 3, 4, 5, 6]),
          kPositions: Int32Array.from([0, 1, 2, 3, 4, 5, 6]),
        },
        {
          qLen: 1,
          kLen: 13,
          heads: 3,
          kvHeads: 1,
          headDim: 20,
          qPositions: Int32Array.from([12]),
          kPositions: Int32Array.from({ length: 13 }, (_, i) => i),
        },
        { qLen: 5, kLen: 9, heads: 2, kvHeads: 2, headDim: 64 }, // an encoder: no mask
        {
          qLen: 6,
          kLen: 6,
          heads: 2,
          kvHeads: 1,
          headDim: 4,
          keyBias: Float32Array.from([0, 1, 0.5, 0, 2, -1e9]),
        },
        // After a merge in ToMe's split layout positions are not sorted.
        {
          qLen: 5,
          kLen: 5,
          heads: 2,
          kvHeads: 1,
          headDim: 16,
          qPositions: Int32Array.from([0, 4, 1, 3, 7]),
          kPositions: Int32Array.from([0, 4, 1, 3, 7]),
        },
        { qLen: 3, kLen: 3, heads: 1, kvHeads: 1, headDim: 6 }, // head size not a multiple of 4: the TS kernel
      ]
      for (const p of cases) {
        const q = rand(p.qLen * p.heads * p.headDim, 10)
        const kk = rand(p.kLen * p.kvHeads * p.headDim, 11)
        const v = rand(p.kLen * p.kvHeads * p.headDim, 12)
        const pa = new Float32Array(p.heads * p.qLen * p.kLen)
        const pr = new Float32Array(p.heads * p.qLen * p.kLen)
        const a = new Float32Array(q.length)
        const r = new Float32Array(q.length)
        k.attention(a, q, kk, v, { ...p, probs: pa })
        tsKernels.attention(r, q, kk, v, { ...p, probs: pr })
        expect(relErr(a, r)).toBeLessThan(1e-5)
        expect(relErr(pa, pr)).toBeLessThan(1e-6)
        // Masked keys get exactly 0.
        for (let i = 0; i < pr.length; i++) if (pr[i] === 0) expect(pa[i]).toBe(0)
        const plain = new Float32Array(q.length)
        k.attention(plain, q, kk, v, p)
        expect(plain).toEqual(a)
      }
    })

    it('refuses shapes that disagree with the arrays', () => {
      const out = new Float32Array(4)
      expect(() => k.linear(out, new Float32Array(3), new Float32Array(4), 1, 4, 1)).toThrow(ModelError)
      expect(() =>
        k.attention(out, out, out, out, { qLen: 1, kLen: 1, heads: 3, kvHeads: 2, headDim: 4 }),
      ).toThrowError(/multiple of kvHeads/)
      expect(() => k.silu(out, 5)).toThrow(ModelError)
    })
  })
}

it('refuses a module that is not the kernels', () => {
  // An empty module: magic number and version only.
  const empty = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))
  expect(() => new WasmKernels(empty)).toThrowError(/no 'relaxedSimd' kernel/)
})
