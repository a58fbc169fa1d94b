import { beforeAll, describe, expect, it } from 'vitest'
import { FlatIndex } from './flat.ts'
import { ArtifactWriter, readArtifact, type SectionArray } from './format.ts'
import { IvfInt8Index } from './ivf-i8.ts'
import { loadWasmKernels } from './kernels/wasm-node.ts'
import { loadIndex } from './load.ts'
import { errorCode, matryoshkaData } from './test-data.ts'

let kernels: WebAssembly.Module
beforeAll(async () => {
  kernels = await loadWasmKernels()
})

const n = 2000
const dim = 64
const data = matryoshkaData(n, dim, 20, 21)
const nq = 30
const queries = matryoshkaData(nq, dim, 20, 22)

describe('IvfInt8Index', () => {
  for (const metric of ['cosine', 'l2', 'ip'] as const) {
    it(`scans int8 codes in WASM exactly as in TypeScript and finds the neighbours when probing all lists (${metric})`, () => {
      const ts = IvfInt8Index.build(data, n, dim, {
        metric,
        nlist: 16,
        clusterDims: 16,
        iterations: 5,
        seed: 3,
      })
      const wasm = IvfInt8Index.build(data, n, dim, {
        metric,
        nlist: 16,
        clusterDims: 16,
        iterations: 5,
        seed: 3,
        kernels,
      })
      expect(wasm.wasm).toBe(true)
      expect(Buffer.from(wasm.serialize()).equals(Buffer.from(ts.serialize()))).toBe(true)
      const flat = FlatIndex.build(data, n, dim, { metric })
      let hit = 0
      for (let i = 0; i < nq; i++) {
        const q = queries.subarray(i * dim, (i + 1) * dim)
        for (const params of [{ nprobe: 4, scanDims: 16, rerank: 40 }, { nprobe: 16 }]) {
          const a = ts.search(q, 10, params)
          const b = wasm.search(q, 10, params)
          expect(Array.from(b.ids)).toEqual(Array.from(a.ids))
          expect(Array.from(b.scores)).toEqual(Array.from(a.scores))
        }
        const truth = flat.search(q, 10)
        const got = wasm.search(q, 10, { nprobe: 16 })
        for (const id of got.ids) if (truth.ids.includes(id)) hit++
        // Scores are the metric's own, close to the exact ones.
        expect(Math.abs(got.scores[0]! - truth.scores[0]!)).toBeLessThan(
          0.01 * Math.abs(truth.scores[0]!) + 0.01,
        )
      }
      expect(hit / (nq * 10)).toBeGreaterThanOrEqual(0.95)
    })
  }

  it('costs less on a shorter scan prefix, and re-ranks on all stored dims', () => {
    const index = IvfInt8Index.build(data, n, dim, {
      metric: 'cosine',
      nlist: 8,
      clusterDims: 16,
      iterations: 5,
      kernels,
    })
    const q = queries.subarray(0, dim)
    const short = index.search(q, 10, { nprobe: 8, scanDims: 16 })
    const full = index.search(q, 10, { nprobe: 8, scanDims: 64 })
    expect(short.cost.flops).toBeLessThan(full.cost.flops)
    const funnel = index.search(q, 10, { nprobe: 8, scanDims: 16, rerank: 50 })
    expect(funnel.settings.rerank).toBe(50)
    expect(funnel.cost.dims).toBe(64)
    expect(funnel.cost.candidates).toBe(n + 50)
  })

  it('round-trips through its artifact and refuses corrupt or out-of-bounds contents', () => {
    const index = IvfInt8Index.build(data.subarray(0, 200 * dim), 200, dim, {
      metric: 'l2',
      nlist: 4,
      iterations: 3,
    })
    const bytes = index.serialize()
    const back = loadIndex(bytes) as IvfInt8Index
    const q = queries.subarray(0, dim)
    expect(Array.from(back.search(q, 5, { nprobe: 2 }).ids)).toEqual(
      Array.from(index.search(q, 5, { nprobe: 2 }).ids),
    )
    for (let i = 0; i < bytes.length; i += 7) {
      const copy = bytes.slice()
      copy[i] = copy[i]! ^ 0x10
      expect(errorCode(() => loadIndex(copy))).toMatch(
        /^(BAD_MAGIC|UNSUPPORTED_VERSION|TRUNCATED|CHECKSUM_MISMATCH|CORRUPT)$/,
      )
    }
    const artifact = readArtifact(bytes)
    const rewrite = (params: Record<string, unknown>, sections: Record<string, SectionArray> = {}) => {
      const w = new ArtifactWriter('ivf-i8', { ...artifact.params, ...params })
      for (const [name, s] of artifact.sections) w.addSection(name, sections[name] ?? s.data)
      return w.finish()
    }
    const codes = index.codes.slice()
    codes[0] = -128
    const padded = index.codes.slice()
    padded.fill(0)
    const ids = index.ids.slice()
    ids[0] = ids[1]!
    for (const [what, bad] of [
      ['nlist beyond size', rewrite({ nlist: 201 })],
      ['too many prefixes', rewrite({ prefixDims: Array.from({ length: 65 }, (_, i) => i + 1) })],
      ['unsorted prefixes', rewrite({ prefixDims: [64, 16] })],
      ['re-rank beyond the bound', rewrite({ rerank: 1e6 })],
      ['a code of -128', rewrite({}, { codes })],
      ['repeated ids', rewrite({}, { ids })],
      ['zero scales', rewrite({}, { scales: new Float32Array(dim) })],
    ] as const) {
      expect(
        errorCode(() => loadIndex(bad)),
        what,
      ).toBe('CORRUPT')
    }
  })

  it('refuses bad options and search parameters with a typed error', () => {
    expect(errorCode(() => IvfInt8Index.build(data, n, dim, { metric: 'cosine', nlist: 0 }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(
      errorCode(() => IvfInt8Index.build(data, n, dim, { metric: 'cosine', nlist: 4, scanDims: 20 })),
    ).toBe('INVALID_ARGUMENT')
    const index = IvfInt8Index.build(data.subarray(0, 100 * dim), 100, dim, {
      metric: 'cosine',
      nlist: 4,
      iterations: 2,
    })
    const q = queries.subarray(0, dim)
    expect(errorCode(() => index.search(q, 10, { scanDims: 20 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 10, { nprobe: 5 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 10, { ef: 5 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 10, { rerank: 5000 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 5000))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q.subarray(1), 10))).toBe('DIMENSION_MISMATCH')
  })
})
