import { describe, expect, it } from 'vitest'
import { FlatIndex } from './flat.ts'
import { IvfIndex } from './ivf.ts'
import { loadIndex } from './load.ts'
import { errorCode, matryoshkaData } from './test-data.ts'

describe('IvfIndex', () => {
  const n = 2000
  const dim = 32
  const data = matryoshkaData(n, dim, 40, 3)
  const queries = matryoshkaData(25, dim, 40, 4)

  for (const metric of ['cosine', 'ip', 'l2'] as const) {
    it(`equals flat search when every list is probed on all dims (${metric})`, () => {
      const flat = FlatIndex.build(data, n, dim, { metric })
      const ivf = IvfIndex.build(data, n, dim, { metric, nlist: 16, clusterDims: 8, iterations: 8, seed: 5 })
      for (const scanDims of [dim, 16, 11]) {
        const a = flat.searchBatch(queries, 10, { scanDims })
        const b = ivf.searchBatch(queries, 10, { nprobe: 16, scanDims })
        expect(b.map((r) => Array.from(r.ids))).toEqual(a.map((r) => Array.from(r.ids)))
        expect(b.map((r) => Array.from(r.scores))).toEqual(a.map((r) => Array.from(r.scores)))
        for (const r of b) expect(r.cost.candidates).toBe(n)
      }
    })
  }

  it('equals flat search on wide vectors stored in several column blocks', () => {
    const wide = 200
    const big = matryoshkaData(800, wide, 16, 9)
    const qs = matryoshkaData(10, wide, 16, 10)
    for (const metric of ['cosine', 'l2'] as const) {
      const flat = FlatIndex.build(big, 800, wide, { metric })
      const ivf = IvfIndex.build(big, 800, wide, { metric, nlist: 8, clusterDims: 64, iterations: 4 })
      for (const scanDims of [wide, 150, 64, 20]) {
        const a = flat.searchBatch(qs, 10, { scanDims })
        const b = ivf.searchBatch(qs, 10, { nprobe: 8, scanDims })
        expect(b.map((r) => Array.from(r.ids))).toEqual(a.map((r) => Array.from(r.ids)))
        expect(b.map((r) => Array.from(r.scores))).toEqual(a.map((r) => Array.from(r.scores)))
      }
      const loaded = loadIndex(ivf.serialize())
      expect(loaded.searchBatch(qs, 5, { nprobe: 3, scanDims: 150, rerank: 20 })).toEqual(
        ivf.searchBatch(qs, 5, { nprobe: 3, scanDims: 150, rerank: 20 }),
      )
    }
  })

  it('lays lists out contiguously, each row once, in its nearest list', () => {
    const ivf = IvfIndex.build(data, n, dim, { metric: 'l2', nlist: 10, iterations: 5 })
    const sizes = ivf.listSizes()
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(n)
    expect(new Set(ivf.ids).size).toBe(n)
    for (let l = 0; l < 10; l++) {
      for (let r = ivf.listOffsets[l]!; r < ivf.listOffsets[l + 1]!; r++) {
        const id = ivf.ids[r]!
        const q = data.subarray(id * dim, (id + 1) * dim)
        // The row's own list is the best centroid for it.
        const probe = ivf.search(q, 1, { nprobe: 1 })
        expect(probe.ids[0]).toBe(id)
      }
    }
  })

  it('spends fewer FLOPs with fewer probes and shorter prefixes, and reports them', () => {
    const ivf = IvfIndex.build(data, n, dim, { metric: 'cosine', nlist: 20, iterations: 5 })
    const q = queries.subarray(0, dim)
    const wide = ivf.search(q, 10, { nprobe: 8 })
    const narrow = ivf.search(q, 10, { nprobe: 1, scanDims: 8, clusterDims: 16 })
    expect(narrow.cost.flops).toBeLessThan(wide.cost.flops)
    expect(narrow.cost.candidates).toBeLessThan(wide.cost.candidates)
    expect(narrow.settings).toEqual({ nprobe: 1, clusterDims: 16, scanDims: 8 })
    expect(wide.cost.dims).toBe(dim)
    // probe (20 centroids x 32 dims) + scan, at 2 FLOPs per multiply-add
    expect(wide.cost.flops).toBe(2 * dim + 20 * 2 * dim + 2 * dim + wide.cost.candidates * 2 * dim)
  })

  it('re-ranks prefix-scan candidates on all stored dims', () => {
    const ivf = IvfIndex.build(data, n, dim, { metric: 'cosine', nlist: 8, iterations: 5 })
    const flat = FlatIndex.build(data, n, dim, { metric: 'cosine' })
    const q = queries.subarray(dim, 2 * dim)
    const got = ivf.search(q, 5, { nprobe: 8, scanDims: 8, rerank: n })
    const want = flat.search(q, 5)
    expect(Array.from(got.ids)).toEqual(Array.from(want.ids))
    expect(Array.from(got.scores)).toEqual(Array.from(want.scores))
  })

  it('saves and loads bit-identically', () => {
    const ivf = IvfIndex.build(data, n, dim, {
      metric: 'l2',
      nlist: 12,
      clusterDims: 16,
      storeDims: 24,
      nprobe: 3,
      iterations: 5,
    })
    const bytes = ivf.serialize()
    const loaded = loadIndex(bytes) as IvfIndex
    expect(loaded.kind).toBe('ivf')
    expect(loaded.nprobe).toBe(3)
    expect(loaded.byteSize()).toBe(ivf.byteSize())
    for (const params of [
      {},
      { nprobe: 12, scanDims: 8 },
      { nprobe: 2, clusterDims: 8, scanDims: 24, rerank: 30 },
    ]) {
      const a = ivf.searchBatch(queries, 10, params)
      const b = loaded.searchBatch(queries, 10, params)
      expect(b.map((r) => Array.from(r.ids))).toEqual(a.map((r) => Array.from(r.ids)))
      expect(b.map((r) => Array.from(r.scores))).toEqual(a.map((r) => Array.from(r.scores)))
      expect(b.map((r) => r.cost)).toEqual(a.map((r) => r.cost))
    }
    // Loading from an ArrayBuffer (e.g. an R2 object body) works the same.
    expect(loadIndex(bytes.slice().buffer).size).toBe(n)
  })

  it('refuses bad arguments with typed errors', () => {
    const ivf = IvfIndex.build(data, n, dim, { metric: 'ip', nlist: 8, iterations: 2 })
    const q = queries.subarray(0, dim)
    expect(errorCode(() => ivf.search(q, 0))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => ivf.search(q, 10, { nprobe: 0 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => ivf.search(q, 10, { nprobe: 9 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => ivf.search(q, 10, { nprobe: 1.5 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => ivf.search(q, 10, { scanDims: 33 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => ivf.search(q, 10, { clusterDims: 33 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => ivf.search(q.subarray(0, 31), 10))).toBe('DIMENSION_MISMATCH')
    expect(errorCode(() => ivf.search(q, 10, { budget: 1e9 }))).toBe('NO_FRONTIER')
    expect(errorCode(() => IvfIndex.build(data, n, dim, { metric: 'ip', nlist: 0 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => IvfIndex.build(data, n, dim, { metric: 'ip', nlist: n + 1 }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(errorCode(() => IvfIndex.build(data, n, dim, { metric: 'ip', nlist: 4, clusterDims: 40 }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(errorCode(() => IvfIndex.build(data, n, dim, { metric: 'ip', nlist: 4, nprobe: 5 }))).toBe(
      'INVALID_ARGUMENT',
    )
  })
})
