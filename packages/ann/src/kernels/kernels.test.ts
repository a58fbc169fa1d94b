import { describe, expect, it } from 'vitest'
import { AnnError } from '../errors.ts'
import { Rng } from '../random.ts'
import { adcScan, adcScanReference } from './adc.ts'
import { hamming, hammingReference, hammingScan, popcount32 } from './hamming.ts'
import { WasmAdc, WasmHamming } from './wasm.ts'
import { loadWasmKernels } from './wasm-node.ts'

describe('ADC kernel', () => {
  for (const [m, ksub] of [
    [8, 256],
    [16, 256],
    [6, 256],
    [8, 100],
    [1, 7],
  ] as const) {
    it(`equals the one-lookup-at-a-time reference (m = ${m}, ksub = ${ksub})`, () => {
      const rng = new Rng(m * 1000 + ksub)
      const n = 300
      const codes = new Uint8Array(n * m)
      for (let i = 0; i < codes.length; i++) codes[i] = rng.int(ksub)
      const table = new Float32Array(m * ksub)
      for (let i = 0; i < table.length; i++) table[i] = rng.gaussian()
      const start = 17
      const count = 250
      const out = new Float32Array(count + 5)
      adcScan(codes, start, count, m, ksub, table, 0.25, out, 5)
      const ref = new Float64Array(count)
      adcScanReference(codes, start, count, m, ksub, table, 0.25, ref)
      for (let i = 0; i < count; i++) expect(out[5 + i]).toBeCloseTo(ref[i]!, 4)
      expect(out[0]).toBe(0)
    })
  }
})

describe('popcount Hamming kernel', () => {
  it('counts the bits of edge-case words', () => {
    for (const x of [0, 1, 0x80000000, 0xffffffff, 0x55555555, 0x0f0f0f0f, 123456789]) {
      const ref = hammingReference(new Uint32Array([x]), 0, new Uint32Array([0]), 0, 1)
      expect(popcount32(x)).toBe(ref)
    }
    expect(popcount32(0xffffffff)).toBe(32)
  })

  for (const words of [1, 8, 24, 31, 32, 70]) {
    it(`equals the bit-by-bit reference on ${words}-word codes`, () => {
      const rng = new Rng(words)
      const n = 64
      const codes = new Uint32Array(n * words)
      for (let i = 0; i < codes.length; i++) codes[i] = rng.nextUint32()
      // All-ones codes push every byte lane of the accumulator to its maximum.
      codes.fill(0xffffffff, 0, words)
      const query = new Uint32Array(words + 3)
      for (let i = 0; i < query.length; i++) query[i] = rng.nextUint32()
      query.fill(0, 3, 3 + words)
      const out = new Int32Array(n)
      hammingScan(codes, 0, n, words, query, 3, out)
      expect(out[0]).toBe(32 * words)
      for (let i = 0; i < n; i++) {
        const ref = hammingReference(codes, i * words, query, 3, words)
        expect(out[i]).toBe(ref)
        expect(hamming(codes, i * words, query, 3, words)).toBe(ref)
      }
    })
  }
})

describe('WASM popcount kernel', () => {
  for (const words of [1, 2, 3, 8, 24, 25, 70]) {
    it(`equals the TypeScript kernel on ${words}-word codes (SIMD and scalar)`, async () => {
      const module = await loadWasmKernels()
      const rng = new Rng(100 + words)
      const n = 300
      const codes = new Uint32Array(n * words)
      for (let i = 0; i < codes.length; i++) codes[i] = rng.nextUint32()
      codes.fill(0xffffffff, 0, words)
      const query = new Uint32Array(words + 2)
      for (let i = 0; i < query.length; i++) query[i] = rng.nextUint32()
      const want = new Int32Array(n)
      hammingScan(codes, 0, n, words, query, 2, want)
      for (const simd of [true, false]) {
        const got = new WasmHamming(module, codes, n, words, simd).scan(query, 2)
        expect(Array.from(got)).toEqual(Array.from(want))
      }
    })
  }

  it('refuses a module that is not the kernel', () => {
    const empty = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))
    expect(() => new WasmHamming(empty, new Uint32Array(4), 2, 2)).toThrow(AnnError)
  })
})

describe('WASM ADC kernel', () => {
  for (const [m, ksub] of [
    [32, 256],
    [8, 256],
    [6, 256],
    [8, 64],
  ] as const) {
    it(`gives the same bits as the TypeScript kernel (m = ${m}, ksub = ${ksub})`, async () => {
      const module = await loadWasmKernels()
      const rng = new Rng(m * 7 + ksub)
      const n = 500
      const codes = new Uint8Array(n * m)
      for (let i = 0; i < codes.length; i++) codes[i] = rng.int(ksub)
      const wasm = new WasmAdc(module, codes, m, ksub, 200)
      for (let i = 0; i < m * ksub; i++) wasm.table[i] = rng.gaussian()
      const want = new Float32Array(200)
      adcScan(codes, 123, 200, m, ksub, wasm.table, -0.75, want, 0)
      const got = wasm.scan(123, 200, -0.75).slice(0, 200)
      expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(want.buffer))
    })
  }
})
