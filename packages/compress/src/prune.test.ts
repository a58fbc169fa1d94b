import { describe, expect, it } from 'vitest'
import { CompressError } from './errors.ts'
import { pruneBertFfn, pruneBertHeads, pruneOpenElmFfn, pruneOpenElmHeads, topMask } from './prune.ts'
import { randomArray } from './test-util.ts'

/** y = W x (+ b) for W `[rows, cols]`. */
function matVec(
  w: Float32Array,
  rows: number,
  cols: number,
  x: Float32Array,
  b?: Float32Array,
): Float64Array {
  const y = new Float64Array(rows)
  for (let r = 0; r < rows; r++) {
    let s = b ? b[r]! : 0
    for (let c = 0; c < cols; c++) s += w[r * cols + c]! * x[c]!
    y[r] = s
  }
  return y
}

const silu = (v: number) => v / (1 + Math.exp(-v))

/** OpenELM SwiGLU FFN: proj_2(SiLU(gate) ⊙ up), optionally zeroing masked neurons. */
function swiglu(
  proj1: Float32Array,
  proj2: Float32Array,
  d: number,
  f: number,
  x: Float32Array,
  mask?: Uint8Array,
) {
  const h = matVec(proj1, 2 * f, d, x)
  const a = new Float32Array(f)
  for (let i = 0; i < f; i++) a[i] = mask && !mask[i] ? 0 : silu(h[i]!) * h[f + i]!
  return matVec(proj2, d, f, a)
}

describe('pruneOpenElmHeads', () => {
  it('keeps whole GQA groups of the fused projection (hand-checked)', () => {
    // d = 2, head_dim 1, 4 query heads in 2 groups: rows q0 q1 q2 q3 k0 k1 v0 v1.
    const qkv = Float32Array.from({ length: 16 }, (_, i) => i)
    const out = Float32Array.from({ length: 8 }, (_, i) => 100 + i)
    const p = pruneOpenElmHeads(
      { qkv, out, dModel: 2, headDim: 1, qHeads: 4, kvHeads: 2 },
      new Uint8Array([0, 1]),
    )
    expect(Array.from(p.qkv)).toEqual([4, 5, 6, 7, 10, 11, 14, 15]) // q2 q3 k1 v1
    expect(Array.from(p.out)).toEqual([102, 103, 106, 107])
    expect([p.qHeads, p.kvHeads]).toEqual([2, 1])
  })

  it('is the identity with an all-ones mask', () => {
    const w = {
      qkv: randomArray(12 * 8, 1),
      out: randomArray(8 * 8, 2),
      dModel: 8,
      headDim: 2,
      qHeads: 4,
      kvHeads: 1,
    }
    const p = pruneOpenElmHeads(w, new Uint8Array([1]))
    expect(p.qkv).toEqual(w.qkv)
    expect(p.out).toEqual(w.out)
  })

  it('refuses an all-zero mask and a mask of the wrong length', () => {
    const w = {
      qkv: randomArray(12 * 8, 1),
      out: randomArray(8 * 8, 2),
      dModel: 8,
      headDim: 2,
      qHeads: 4,
      kvHeads: 1,
    }
    expect(() => pruneOpenElmHeads(w, new Uint8Array([0]))).toThrowError(/keep at least one/)
    expect(() => pruneOpenElmHeads(w, new Uint8Array([1, 1]))).toThrow(CompressError)
    expect(() => pruneOpenElmHeads({ ...w, qkv: new Float32Array(3) }, new Uint8Array([1]))).toThrowError(
      /qkv/,
    )
  })
})

describe('pruneOpenElmFfn', () => {
  const d = 6
  const f = 5
  const proj1 = randomArray(2 * f * d, 3)
  const proj2 = randomArray(d * f, 4)
  const x = randomArray(d, 5)

  it('computes what the full FFN computes with the pruned neurons silenced', () => {
    const mask = new Uint8Array([1, 0, 1, 1, 0])
    const p = pruneOpenElmFfn({ proj1, proj2, dModel: d, ffnDim: f }, mask)
    expect(p.ffnDim).toBe(3)
    const small = swiglu(p.proj1, p.proj2, d, 3, x)
    const masked = swiglu(proj1, proj2, d, f, x, mask)
    for (let i = 0; i < d; i++) expect(small[i]).toBeCloseTo(masked[i]!, 5)
  })

  it('is the identity with an all-ones mask', () => {
    const p = pruneOpenElmFfn({ proj1, proj2, dModel: d, ffnDim: f }, new Uint8Array(f).fill(1))
    expect(p.proj1).toEqual(proj1)
    expect(p.proj2).toEqual(proj2)
  })
})

describe('BERT pruning', () => {
  it('removes heads from q/k/v rows, biases and output columns', () => {
    const d = 4
    const heads = 2
    const hd = 2
    const w = {
      query: randomArray(4 * d, 1),
      queryBias: Float32Array.from([1, 2, 3, 4]),
      key: randomArray(4 * d, 2),
      keyBias: randomArray(4, 3),
      value: randomArray(4 * d, 4),
      valueBias: randomArray(4, 5),
      out: Float32Array.from({ length: 16 }, (_, i) => i),
      outBias: randomArray(4, 6),
      dModel: d,
      heads,
      headDim: hd,
    }
    const p = pruneBertHeads(w, new Uint8Array([0, 1]))
    expect(Array.from(p.queryBias)).toEqual([3, 4])
    expect(Array.from(p.query)).toEqual(Array.from(w.query.subarray(8, 16)))
    expect(Array.from(p.out)).toEqual([2, 3, 6, 7, 10, 11, 14, 15])
    expect(p.heads).toBe(1)
    const same = pruneBertHeads(w, new Uint8Array([1, 1]))
    expect(same.key).toEqual(w.key)
    expect(same.out).toEqual(w.out)
  })

  it('removes FFN neurons so the output equals the full FFN with them silenced', () => {
    const d = 3
    const f = 4
    const w = {
      up: randomArray(f * d, 7),
      upBias: randomArray(f, 8),
      down: randomArray(d * f, 9),
      downBias: randomArray(d, 10),
      dModel: d,
      ffnDim: f,
    }
    const mask = new Uint8Array([0, 1, 1, 0])
    const p = pruneBertFfn(w, mask)
    const x = randomArray(d, 11)
    const relu = (h: Float64Array, m?: Uint8Array) =>
      Float32Array.from(h, (v, i) => (m && !m[i] ? 0 : Math.max(0, v)))
    const small = matVec(p.down, d, 2, relu(matVec(p.up, 2, d, x, p.upBias)), p.downBias)
    const full = matVec(w.down, d, f, relu(matVec(w.up, f, d, x, w.upBias), mask), w.downBias)
    for (let i = 0; i < d; i++) expect(small[i]).toBeCloseTo(full[i]!, 5)
    expect(pruneBertFfn(w, new Uint8Array(f).fill(1)).down).toEqual(w.down)
  })
})

describe('topMask', () => {
  it('keeps the highest scores, ties to the earlier index', () => {
    expect(Array.from(topMask(new Float32Array([0.1, 0.9, 0.5, 0.9]), 2))).toEqual([0, 1, 0, 1])
    expect(() => topMask(new Float32Array(2), 3)).toThrow(CompressError)
  })
})
