import { beforeAll, describe, expect, it } from 'vitest'
import { AnnError } from '../errors.ts'
import { Rng } from '../random.ts'
import { KernelArena } from './arena.ts'
import { dotBf16Rows, dotF32Rows, dotI8Rows, fromBf16, toBf16 } from './dots.ts'
import { GraphScratch, graphSearchTs, KEY_MODE } from './graph-search.ts'
import { encodeInt8, fitInt8Scales, pad16, prepareInt16Query } from './int8.ts'
import { loadWasmKernels } from './wasm-node.ts'

let module: WebAssembly.Module
beforeAll(async () => {
  module = await loadWasmKernels()
})

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length))

function gaussian(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = rng.gaussian()
  return out
}

describe('float prefix dot products over candidate lists', () => {
  for (const d of [1, 3, 4, 7, 8, 13, 64, 67]) {
    it(`WASM SIMD and TypeScript give the same bits (d = ${d}, gathered and contiguous rows)`, () => {
      const rng = new Rng(d)
      const rows = 41
      const stride = d + 5
      const data = gaussian(rng, rows * stride)
      const q = gaussian(rng, d)
      const ids = Int32Array.from({ length: 23 }, () => rng.int(rows))
      const arena = new KernelArena(module, 1 << 16)
      const wData = arena.f32(data.length)
      wData.set(data)
      const wq = arena.f32(d)
      wq.set(q)
      const wIds = arena.i32(ids.length)
      wIds.set(ids)
      const wOut = arena.f32(rows)
      const out = new Float32Array(rows)
      // Gathered.
      arena.exports.dotF32Rows(
        wData.byteOffset,
        stride * 4,
        wIds.byteOffset,
        ids.length,
        wq.byteOffset,
        d,
        wOut.byteOffset,
      )
      dotF32Rows(data, stride, ids, 0, ids.length, q, d, out)
      expect(bits(wOut.subarray(0, ids.length))).toEqual(bits(out.subarray(0, ids.length)))
      for (let i = 0; i < ids.length; i++) {
        let ref = 0
        for (let j = 0; j < d; j++) ref += data[ids[i]! * stride + j]! * q[j]!
        expect(out[i]).toBeCloseTo(ref, 4)
      }
      // Contiguous, from row 3.
      arena.exports.dotF32Rows(
        wData.byteOffset + 3 * stride * 4,
        stride * 4,
        0,
        30,
        wq.byteOffset,
        d,
        wOut.byteOffset,
      )
      dotF32Rows(data, stride, null, 3, 30, q, d, out)
      expect(bits(wOut.subarray(0, 30))).toEqual(bits(out.subarray(0, 30)))
    })
  }

  for (const d of [5, 8, 16, 37, 256]) {
    it(`bfloat16 rows: WASM and TypeScript agree bit for bit (d = ${d})`, () => {
      const rng = new Rng(100 + d)
      const rows = 19
      const data = gaussian(rng, rows * d)
      const half = Uint16Array.from(data, toBf16)
      const q = gaussian(rng, d)
      const ids = Int32Array.from({ length: 13 }, () => rng.int(rows))
      const arena = new KernelArena(module, 1 << 16)
      const wHalf = arena.u16(half.length)
      wHalf.set(half)
      const wq = arena.f32(d)
      wq.set(q)
      const wIds = arena.i32(ids.length)
      wIds.set(ids)
      const wOut = arena.f32(rows)
      arena.exports.dotBf16Rows(
        wHalf.byteOffset,
        d * 2,
        wIds.byteOffset,
        ids.length,
        wq.byteOffset,
        d,
        wOut.byteOffset,
      )
      const out = new Float32Array(ids.length)
      dotBf16Rows(half, d, ids, 0, ids.length, q, d, out)
      expect(bits(wOut.subarray(0, ids.length))).toEqual(bits(out))
      for (let i = 0; i < ids.length; i++) {
        let ref = 0
        for (let j = 0; j < d; j++) ref += data[ids[i]! * d + j]! * q[j]!
        // bf16 keeps 8 mantissa bits: the dot product is close, not exact.
        expect(Math.abs(out[i]! - ref)).toBeLessThan(0.02 * Math.sqrt(d))
      }
    })
  }

  it('rounds to bfloat16 to nearest even and keeps infinities', () => {
    expect(fromBf16(toBf16(1))).toBe(1)
    expect(fromBf16(toBf16(-2.5))).toBe(-2.5)
    // 1 + 2^-8 is halfway between two bf16 values: ties go to the even mantissa (1).
    expect(fromBf16(toBf16(1 + 2 ** -8))).toBe(1)
    expect(fromBf16(toBf16(1 + 3 * 2 ** -8))).toBe(1 + 2 ** -6)
    expect(fromBf16(toBf16(Number.POSITIVE_INFINITY))).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('int8 dot products', () => {
  for (const d of [16, 32, 48, 256]) {
    it(`WASM equals the exact integer sum (d16 = ${d})`, () => {
      const rng = new Rng(d)
      const rows = 37
      const stride = d + 16
      const codes = Int8Array.from({ length: rows * stride }, () => rng.int(255) - 127)
      const q = Int16Array.from({ length: d }, () => rng.int(2 * 4000 + 1) - 4000)
      const ids = Int32Array.from({ length: 29 }, () => rng.int(rows))
      const arena = new KernelArena(module, 1 << 16)
      const wc = arena.i8(codes.length)
      wc.set(codes)
      const wq = arena.i16(d)
      wq.set(q)
      const wIds = arena.i32(ids.length)
      wIds.set(ids)
      const wOut = arena.i32(rows)
      arena.exports.dotI8Rows(
        wc.byteOffset,
        stride,
        wIds.byteOffset,
        ids.length,
        wq.byteOffset,
        d,
        wOut.byteOffset,
      )
      const out = new Int32Array(ids.length)
      dotI8Rows(codes, stride, ids, 0, ids.length, q, d, out)
      for (let i = 0; i < ids.length; i++) {
        let ref = 0
        for (let j = 0; j < d; j++) ref += codes[ids[i]! * stride + j]! * q[j]!
        expect(out[i]).toBe(ref)
        expect(wOut[i]).toBe(ref)
      }
      arena.exports.dotI8Rows(wc.byteOffset + stride, stride, 0, 10, wq.byteOffset, d, wOut.byteOffset)
      dotI8Rows(codes, stride, null, 1, 10, q, d, out)
      expect(Array.from(wOut.subarray(0, 10))).toEqual(Array.from(out.subarray(0, 10)))
    })
  }

  it('scales per dimension without clipping and approximates the float dot product', () => {
    const rng = new Rng(7)
    const n = 200
    const dim = 40
    const data = new Float32Array(n * dim)
    for (let i = 0; i < data.length; i++) data[i] = rng.gaussian() / (1 + (i % dim))
    const scales = fitInt8Scales(data, n, dim, dim)
    const stride = pad16(dim)
    const codes = new Int8Array(n * stride)
    for (let i = 0; i < n; i++) encodeInt8(data, i * dim, scales, codes, i * stride)
    expect(Math.max(...Array.from(codes, Math.abs))).toBe(127)
    const q = new Float32Array(dim)
    for (let j = 0; j < dim; j++) q[j] = rng.gaussian()
    const q16 = new Int16Array(stride)
    const step = prepareInt16Query(q, 0, dim, scales, q16)
    const out = new Int32Array(n)
    dotI8Rows(codes, stride, null, 0, n, q16, stride, out)
    for (let i = 0; i < n; i++) {
      let ref = 0
      let norm = 0
      for (let j = 0; j < dim; j++) {
        ref += q[j]! * data[i * dim + j]!
        norm += Math.abs(q[j]! * scales[j]!)
      }
      expect(Math.abs(out[i]! * step - ref)).toBeLessThanOrEqual(norm * 0.51 + 1e-6)
    }
  })

  it('keeps every i32 sum in range for the widest query', () => {
    const d = 4096
    const scales = new Float32Array(d).fill(1)
    const q = new Float32Array(d).fill(-1)
    const q16 = new Int16Array(d)
    prepareInt16Query(q, 0, d, scales, q16)
    expect(127 * d * Math.abs(q16[0]!)).toBeLessThan(2 ** 31)
    expect(() => prepareInt16Query(q, 0, d + 1, scales, new Int16Array(d + 16))).toThrow(AnnError)
  })
})

describe('graph search kernel', () => {
  it('WASM and TypeScript visit the same nodes and return the same keys', () => {
    const rng = new Rng(3)
    const n = 500
    const degree = 12
    const d16 = 32
    const codes = Int8Array.from({ length: n * d16 }, () => rng.int(255) - 127)
    const adjacency = new Int32Array(n * degree).fill(-1)
    for (let i = 0; i < n; i++) {
      const deg = 1 + rng.int(degree)
      for (let t = 0; t < deg; t++) adjacency[i * degree + t] = rng.int(n)
    }
    const seeds = Int32Array.from([0, 17, 99, 17])
    const norms = Float32Array.from({ length: n }, () => 0.5 + rng.next())
    const q = Int16Array.from({ length: d16 }, () => rng.int(2001) - 1000)
    for (const [mode, ef] of [
      [KEY_MODE.cosine, 10],
      [KEY_MODE.l2, 40],
      [KEY_MODE.ip, 1],
    ] as const) {
      const outIds = new Int32Array(ef)
      const outKeys = new Float32Array(ef)
      const scratch = new GraphScratch(n, degree, 4)
      const found = graphSearchTs(
        { codes, stride: d16, adjacency, degree, seeds, mode, norms },
        q,
        d16,
        0.001,
        ef,
        scratch,
        outIds,
        outKeys,
      )
      const arena = new KernelArena(module, 1 << 20)
      const a = {
        codes: arena.i8(codes.length),
        adj: arena.i32(adjacency.length),
        seeds: arena.i32(seeds.length),
        norms: arena.f32(n),
        q: arena.i16(d16),
        visited: arena.u32(n),
        ids: arena.i32(ef),
        keys: arena.f32(ef),
        stats: arena.i32(1),
      }
      a.codes.set(codes)
      a.adj.set(adjacency)
      a.seeds.set(seeds)
      a.norms.set(norms)
      a.q.set(q)
      const cand = arena.alloc(n * 8)
      const res = arena.alloc(ef * 8)
      const batch = arena.alloc(degree * 8)
      const wFound = arena.exports.graphSearch(
        a.codes.byteOffset,
        d16,
        d16,
        a.adj.byteOffset,
        degree,
        a.seeds.byteOffset,
        seeds.length,
        a.q.byteOffset,
        0.001,
        mode,
        a.norms.byteOffset,
        ef,
        a.visited.byteOffset,
        1,
        cand,
        n,
        res,
        batch,
        a.ids.byteOffset,
        a.keys.byteOffset,
        a.stats.byteOffset,
      )
      expect(wFound).toBe(found)
      expect(found).toBe(ef)
      expect(Array.from(a.ids)).toEqual(Array.from(outIds))
      expect(bits(a.keys)).toEqual(bits(outKeys))
      expect(a.stats[0]).toBe(scratch.evaluated)
      // Best first, no repeats.
      for (let i = 1; i < found; i++) expect(outKeys[i - 1]!).toBeGreaterThanOrEqual(outKeys[i]!)
      expect(new Set(outIds).size).toBe(found)
    }
  })

  it('refuses a module without the kernels', () => {
    const empty = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))
    expect(() => new KernelArena(empty, 16)).toThrow(AnnError)
  })
})
