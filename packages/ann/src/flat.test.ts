import { describe, expect, it } from 'vitest'
import { FlatIndex } from './flat.ts'
import { loadIndex } from './load.ts'
import { errorCode, matryoshkaData } from './test-data.ts'
import type { Metric } from './types.ts'

/** Brute force with a full sort, in float64: the reference for every metric and prefix. */
function reference(
  data: Float32Array,
  n: number,
  dim: number,
  q: Float32Array,
  k: number,
  metric: Metric,
  p = dim,
) {
  const scored: { id: number; s: number }[] = []
  let qq = 0
  for (let j = 0; j < p; j++) qq += q[j]! * q[j]!
  for (let i = 0; i < n; i++) {
    let d = 0
    let xx = 0
    let l2 = 0
    for (let j = 0; j < p; j++) {
      const x = data[i * dim + j]!
      d += x * q[j]!
      xx += x * x
      l2 += (x - q[j]!) ** 2
    }
    const s = metric === 'ip' ? d : metric === 'cosine' ? d / Math.sqrt(xx * qq) : -l2
    scored.push({ id: i, s })
  }
  scored.sort((a, b) => b.s - a.s || a.id - b.id)
  return scored.slice(0, k)
}

describe('FlatIndex', () => {
  const n = 600
  const dim = 48
  const data = matryoshkaData(n, dim, 20, 1)
  const queries = matryoshkaData(20, dim, 20, 2)

  for (const metric of ['cosine', 'ip', 'l2'] as const) {
    it(`finds the exact top-k for ${metric}, on all dims and on prefixes`, () => {
      const index = FlatIndex.build(data, n, dim, { metric })
      for (const p of [dim, 16, 13]) {
        for (let qi = 0; qi < 5; qi++) {
          const q = queries.subarray(qi * dim, (qi + 1) * dim)
          const got = index.search(q, 10, { scanDims: p })
          const want = reference(data, n, dim, q, 10, metric, p)
          expect(Array.from(got.ids)).toEqual(want.map((w) => w.id))
          for (let i = 0; i < 10; i++) {
            const expected = metric === 'l2' ? -want[i]!.s : want[i]!.s
            expect(got.scores[i]).toBeCloseTo(expected, 3)
          }
          expect(got.cost.candidates).toBe(n)
          expect(got.cost.dims).toBe(p)
          expect(got.cost.flops).toBeGreaterThanOrEqual(2 * n * p)
        }
      }
    })
  }

  it('scans prefixes that span several column blocks exactly', () => {
    const wide = 160 // blocks [0, 64), [64, 128), [128, 160)
    const big = matryoshkaData(300, wide, 10, 5)
    const qs = matryoshkaData(4, wide, 10, 6)
    for (const metric of ['cosine', 'ip', 'l2'] as const) {
      const index = FlatIndex.build(big, 300, wide, { metric })
      expect(index.store.blocks.length).toBe(3)
      for (const p of [wide, 128, 100, 64, 40]) {
        for (let qi = 0; qi < 4; qi++) {
          const q = qs.subarray(qi * wide, (qi + 1) * wide)
          const got = index.search(q, 8, { scanDims: p })
          const want = reference(big, 300, wide, q, 8, metric, p)
          expect(Array.from(got.ids), `${metric} p=${p}`).toEqual(want.map((w) => w.id))
          for (let i = 0; i < 8; i++) {
            expect(got.scores[i]).toBeCloseTo(metric === 'l2' ? -want[i]!.s : want[i]!.s, 3)
          }
        }
      }
    }
  })

  it('answers a batch like single queries', () => {
    const index = FlatIndex.build(data, n, dim, { metric: 'cosine' })
    const batch = index.searchBatch(queries, 5)
    expect(batch.length).toBe(20)
    for (let qi = 0; qi < 20; qi++) {
      const one = index.search(queries.subarray(qi * dim, (qi + 1) * dim), 5)
      expect(Array.from(batch[qi]!.ids)).toEqual(Array.from(one.ids))
    }
  })

  it('re-ranks a prefix scan on all stored dims', () => {
    const index = FlatIndex.build(data, n, dim, { metric: 'cosine' })
    const q = queries.subarray(0, dim)
    const exact = index.search(q, 10)
    const funnel = index.search(q, 10, { scanDims: 16, rerank: 200 })
    expect(funnel.cost.candidates).toBe(n + 200)
    expect(funnel.cost.dims).toBe(dim)
    // Re-ranked scores are exact full-width cosines of the returned ids.
    const exactById = new Map(Array.from(index.search(q, n).ids).map((id, i) => [id, i]))
    for (const id of funnel.ids) expect(exactById.has(id)).toBe(true)
    expect(funnel.scores[0]).toBeCloseTo(exact.scores[0]!, 5)
  })

  it('returns fewer than k hits when the index is smaller', () => {
    const index = FlatIndex.build(data.subarray(0, 3 * dim), 3, dim, { metric: 'l2' })
    expect(index.search(queries.subarray(0, dim), 10).ids.length).toBe(3)
  })

  it('keeps only storeDims dims and searches them', () => {
    const index = FlatIndex.build(data, n, dim, { metric: 'ip', storeDims: 16 })
    expect(index.byteSize()).toBe(n * 16 * 4)
    const q = queries.subarray(0, dim)
    const got = index.search(q, 5)
    expect(Array.from(got.ids)).toEqual(reference(data, n, dim, q, 5, 'ip', 16).map((w) => w.id))
  })

  it('saves and loads bit-identically', () => {
    for (const metric of ['cosine', 'ip', 'l2'] as const) {
      const index = FlatIndex.build(data, n, dim, { metric, prefixDims: [12, 24] })
      const loaded = loadIndex(index.serialize())
      expect(loaded.kind).toBe('flat')
      expect(loaded.byteSize()).toBe(index.byteSize())
      for (const p of [dim, 24, 12, 7]) {
        const a = index.searchBatch(queries, 7, { scanDims: p })
        const b = loaded.searchBatch(queries, 7, { scanDims: p })
        expect(b.map((r) => Array.from(r.ids))).toEqual(a.map((r) => Array.from(r.ids)))
        expect(b.map((r) => Array.from(r.scores))).toEqual(a.map((r) => Array.from(r.scores)))
      }
    }
  })

  it('refuses bad arguments with typed errors', () => {
    const index = FlatIndex.build(data, n, dim, { metric: 'l2' })
    const q = queries.subarray(0, dim)
    expect(errorCode(() => index.search(q, 0))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, -3))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 2.5))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, Number.NaN))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q.subarray(1), 3))).toBe('DIMENSION_MISMATCH')
    expect(errorCode(() => index.search([1, 2] as unknown as Float32Array, 3))).toBe('INVALID_ARGUMENT')
    const bad = q.slice()
    bad[5] = Number.NaN
    expect(errorCode(() => index.search(bad, 3))).toBe('NOT_FINITE')
    bad[5] = Number.POSITIVE_INFINITY
    expect(errorCode(() => index.search(bad, 3))).toBe('NOT_FINITE')
    expect(errorCode(() => index.search(q, 3, { scanDims: 0 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 3, { scanDims: dim + 1 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 3, { nprobe: 2 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 3, { rerank: 0 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.searchBatch(queries.subarray(1), 3))).toBe('DIMENSION_MISMATCH')
    expect(errorCode(() => FlatIndex.build(data, n + 1, dim, { metric: 'l2' }))).toBe('DIMENSION_MISMATCH')
    expect(errorCode(() => FlatIndex.build(data, n, dim, { metric: 'hamming' as Metric }))).toBe(
      'INVALID_ARGUMENT',
    )
    const nan = data.slice()
    nan[100] = Number.NaN
    expect(errorCode(() => FlatIndex.build(nan, n, dim, { metric: 'l2' }))).toBe('NOT_FINITE')
    expect(errorCode(() => FlatIndex.build(data, n, dim, { metric: 'l2', storeDims: dim + 1 }))).toBe(
      'INVALID_ARGUMENT',
    )
  })
})
