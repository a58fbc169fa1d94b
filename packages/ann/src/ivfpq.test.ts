import { describe, expect, it } from 'vitest'
import { AnnError } from './errors.ts'
import { FlatIndex } from './flat.ts'
import { readArtifact } from './format.ts'
import { buildIvfPq, loadIvfPq } from './ivfpq.ts'
import { loadWasmKernels } from './kernels/wasm-node.ts'
import { rotate } from './opq.ts'
import { Rng } from './random.ts'
import { tune } from './tune.ts'
import type { Metric, SearchResult } from './types.ts'

/** Matryoshka-like data: cluster centres plus noise, both scaled down along the dimension index. */
function matryoshkaLike(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed)
  const centres = 40
  const c = new Float32Array(centres * dim)
  for (let i = 0; i < c.length; i++) c[i] = rng.gaussian()
  const x = new Float32Array(n * dim)
  for (let i = 0; i < n; i++) {
    const k = rng.int(centres)
    for (let j = 0; j < dim; j++)
      x[i * dim + j] = (c[k * dim + j]! + 0.7 * rng.gaussian()) / Math.sqrt(1 + j / 4)
  }
  return x
}

/** Exhaustive reference: exact top-k on the full vectors. */
function exact(data: Float32Array, n: number, dim: number, q: Float32Array, k: number, metric: Metric) {
  const scores: [number, number][] = []
  let qn = 0
  for (let j = 0; j < dim; j++) qn += q[j]! * q[j]!
  for (let i = 0; i < n; i++) {
    let s = 0
    let xn = 0
    for (let j = 0; j < dim; j++) {
      const v = data[i * dim + j]!
      xn += v * v
      s += metric === 'l2' ? (v - q[j]!) ** 2 : v * q[j]!
    }
    scores.push([i, metric === 'cosine' ? s / Math.sqrt(xn * qn) : s])
  }
  scores.sort((a, b) => (metric === 'l2' ? a[1] - b[1] : b[1] - a[1]))
  return scores.slice(0, k)
}

function prefixRows(data: Float32Array, n: number, dim: number, d: number): Float32Array {
  const out = new Float32Array(n * d)
  for (let i = 0; i < n; i++) out.set(data.subarray(i * dim, i * dim + d), i * d)
  return out
}

function errorCode(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(AnnError)
    return (e as AnnError).code
  }
  return 'no error'
}

const n = 1200
const dim = 32
const data = matryoshkaLike(n, dim, 7)
const nq = 20
const queries = matryoshkaLike(nq, dim, 8)

describe('IVF-PQ', () => {
  for (const metric of ['cosine', 'ip', 'l2'] as const) {
    it(`with every list probed and a full re-rank equals exact search (${metric})`, () => {
      const index = buildIvfPq(data, n, dim, {
        ksub: 64,
        metric,
        nlist: 8,
        m: 4,
        keepVectors: true,
        kmeansIterations: 5,
        pqIterations: 4,
      })
      const flat = FlatIndex.build(data, n, dim, { metric })
      for (let qi = 0; qi < nq; qi++) {
        const q = queries.subarray(qi * dim, (qi + 1) * dim)
        const got = index.search(q, 10, { nprobe: 8, rerank: n })
        const want = flat.search(q, 10)
        expect(got.ids).toEqual(want.ids)
        for (let i = 0; i < 10; i++) expect(got.scores[i]).toBeCloseTo(want.scores[i]!, 4)
        expect(got.cost.candidates).toBe(2 * n)
      }
    })
  }

  it('AdANNS-OPQ: probes on a cluster prefix, quantises a shorter prefix, and keeps what that prefix can find', () => {
    const index = buildIvfPq(data, n, dim, {
      ksub: 64,
      metric: 'cosine',
      nlist: 16,
      clusterDims: 8,
      pqDims: 16,
      m: 8,
      opq: true,
      opqIterations: 3,
      kmeansIterations: 5,
      pqIterations: 5,
    })
    expect(index.codeBytes()).toBe(n * 8)
    expect(index.rotation?.length).toBe(16 * 16)
    let hits = 0
    let ceiling = 0
    for (let qi = 0; qi < nq; qi++) {
      const q = queries.subarray(qi * dim, (qi + 1) * dim)
      const got = index.search(q, 10, { nprobe: 16 })
      const want = new Set(exact(data, n, dim, q, 10, 'cosine').map((w) => w[0]))
      for (const id of got.ids) if (want.has(id)) hits++
      // The best any 16-dim code can do: exact search on the 16-dim prefix.
      const prefix = exact(prefixRows(data, n, dim, 16), n, 16, q.subarray(0, 16), 10, 'cosine')
      for (const [id] of prefix) if (want.has(id)) ceiling++
      expect(got.settings).toMatchObject({ nprobe: 16, clusterDims: 8, scanDims: 16 })
      expect(got.cost.dims).toBe(16)
    }
    expect(hits).toBeGreaterThan(0.85 * ceiling)
    expect(ceiling).toBeGreaterThan(0.3 * 10 * nq)
  })

  for (const metric of ['l2', 'ip'] as const) {
    it(`scores a code by its reconstruction: list mean plus rotated residual (${metric}, OPQ)`, () => {
      const index = buildIvfPq(data, n, dim, {
        ksub: 64,
        metric,
        nlist: 4,
        pqDims: 16,
        m: 4,
        opq: true,
        opqIterations: 2,
        pqIterations: 4,
        kmeansIterations: 4,
      })
      const q = queries.subarray(0, dim)
      const got = index.search(q, n, { nprobe: 4 })
      expect(got.ids.length).toBe(n)
      const qr = new Float32Array(16)
      rotate(index.rotation!, 16, q, 0, qr, 0)
      const recon = new Float32Array(16)
      const expected = new Float64Array(n)
      for (let l = 0; l < 4; l++) {
        for (let p = index.listOffsets[l]!; p < index.listOffsets[l + 1]!; p++) {
          index.pq.decode(index.codes, p * 4, recon, 0)
          let s = 0
          for (let j = 0; j < 16; j++) {
            const r = index.listCentroids[l * 16 + j]! + recon[j]!
            s += metric === 'l2' ? (qr[j]! - r) ** 2 : qr[j]! * r
          }
          expected[index.listIds[p]!] = s
        }
      }
      for (let i = 0; i < n; i++) expect(got.scores[i]).toBeCloseTo(expected[got.ids[i]!]!, 3)
      for (let i = 1; i < n; i++) {
        if (metric === 'l2') expect(got.scores[i]!).toBeGreaterThanOrEqual(got.scores[i - 1]!)
        else expect(got.scores[i]!).toBeLessThanOrEqual(got.scores[i - 1]!)
      }
    })
  }

  it('counts its cost: probe, tables, lookups and re-rank FLOPs', () => {
    const index = buildIvfPq(data, n, dim, {
      ksub: 64,
      metric: 'ip',
      nlist: 8,
      m: 4,
      keepVectors: true,
      kmeansIterations: 3,
    })
    const q = queries.subarray(0, dim)
    const a = index.search(q, 10, { nprobe: 2 })
    const b = index.search(q, 10, { nprobe: 2, rerank: 50 })
    const lookups = a.cost.candidates * 4
    // query prep (2 * 32) + probe (8 * 32 * 2) + table (64 * 32 * 2) + per-list bias (2 * 32 each) + lookups
    expect(a.cost.flops).toBe(2 * 32 + 8 * 32 * 2 + 64 * 32 * 2 + 2 * 2 * 32 + lookups)
    expect(b.cost.flops).toBe(a.cost.flops + 50 * 2 * 32)
    expect(b.cost.candidates).toBe(a.cost.candidates + 50)
    expect(a.settings).toEqual({ nprobe: 2, clusterDims: 32, scanDims: 32 })
    expect(b.settings).toEqual({ nprobe: 2, clusterDims: 32, scanDims: 32, rerank: 50 })
  })

  it('probes on a shorter cluster prefix per query, and tunes a frontier that budgets pick from', () => {
    const index = buildIvfPq(data, n, dim, {
      ksub: 64,
      metric: 'cosine',
      nlist: 8,
      pqDims: 16,
      m: 4,
      keepVectors: true,
      kmeansIterations: 4,
      pqIterations: 4,
    })
    const q = queries.subarray(0, dim)
    const short = index.search(q, 10, { nprobe: 2, clusterDims: 8 })
    const full = index.search(q, 10, { nprobe: 2 })
    expect(short.settings.clusterDims).toBe(8)
    expect(full.cost.flops - short.cost.flops).toBe(8 * 2 * 32 - 8 * 4 * 8)
    // Probing all lists on any prefix scans every code.
    expect(index.search(q, 10, { nprobe: 8, clusterDims: 4 }).cost.candidates).toBe(n)

    const grid = index.tuningGrid(10)
    expect(grid.length).toBeGreaterThan(4)
    const frontier = tune(index, queries, { k: 10, base: data })
    expect(index.frontier).toBe(frontier)
    const cheapest = frontier[0]!
    const best = frontier.at(-1)!
    expect(best.recall).toBeGreaterThanOrEqual(cheapest.recall)
    expect(index.search(q, 10, { budget: cheapest.flops }).settings).toEqual(cheapest.settings)
    expect(index.search(q, 10, { targetRecall: best.recall }).settings).toEqual(best.settings)
    expect(errorCode(() => index.search(q, 10, { budget: cheapest.flops / 2 }))).toBe('UNREACHABLE_TARGET')
    // The frontier travels with the artifact.
    expect(loadIvfPq(readArtifact(index.serialize())).frontier).toEqual(frontier)
    expect(errorCode(() => index.search(q, 10, { clusterDims: 33 }))).toBe('INVALID_ARGUMENT')
  })

  for (const metric of ['cosine', 'l2'] as const) {
    it(`gives bit-identical results on the WASM ADC kernel (${metric})`, async () => {
      const module = await loadWasmKernels()
      const options = { metric, nlist: 8, pqDims: 16, m: 4, opq: true, opqIterations: 2, pqIterations: 3 }
      const ts = buildIvfPq(data, n, dim, options)
      const wasm = buildIvfPq(data, n, dim, options).useWasm(module)
      expect(wasm.usesWasm).toBe(true)
      const a = ts.searchBatch(queries, 10, { nprobe: 3 })
      const b = wasm.searchBatch(queries, 10, { nprobe: 3 })
      for (let i = 0; i < nq; i++) {
        expect(b[i]!.ids).toEqual(a[i]!.ids)
        expect(new Uint32Array(b[i]!.scores.buffer)).toEqual(new Uint32Array(a[i]!.scores.buffer))
        expect(b[i]!.cost).toEqual(a[i]!.cost)
      }
    })
  }

  it('saves and loads to bit-identical results', () => {
    const index = buildIvfPq(data, n, dim, {
      ksub: 64,
      metric: 'cosine',
      nlist: 8,
      pqDims: 16,
      m: 4,
      opq: true,
      opqIterations: 2,
      pqIterations: 3,
      keepVectors: true,
    })
    const bytes = index.serialize()
    const loaded = loadIvfPq(readArtifact(bytes))
    expect(loaded.serialize()).toEqual(bytes)
    const results = (ix: typeof index): SearchResult[] =>
      ix.searchBatch(queries, 10, { nprobe: 3, rerank: 30 })
    const a = results(index)
    const b = results(loaded)
    for (let i = 0; i < a.length; i++) {
      expect(b[i]!.ids).toEqual(a[i]!.ids)
      expect(new Uint32Array(b[i]!.scores.buffer)).toEqual(new Uint32Array(a[i]!.scores.buffer))
    }
  })

  it('refuses corrupted and inconsistent artifacts', () => {
    const index = buildIvfPq(data, n, dim, { metric: 'l2', nlist: 4, m: 4, ksub: 32, kmeansIterations: 2 })
    const bytes = index.serialize()
    const rng = new Rng(3)
    for (let t = 0; t < 40; t++) {
      const bad = bytes.slice()
      bad[rng.int(bad.length)]! ^= 1 << rng.int(8)
      expect(() => loadIvfPq(readArtifact(bad))).toThrow(AnnError)
    }
    expect(errorCode(() => loadIvfPq(readArtifact(bytes.subarray(0, bytes.length - 9))))).not.toBe('no error')
  })

  it('refuses bad arguments with typed errors', () => {
    const ok = { metric: 'l2' as const, nlist: 4, m: 4, ksub: 32 }
    expect(errorCode(() => buildIvfPq(data, n, dim, { ...ok, m: 5 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => buildIvfPq(data, n, dim, { ...ok, pqDims: 12, m: 8 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => buildIvfPq(data, n, dim, { ...ok, nlist: 0 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => buildIvfPq(data, n, dim, { ...ok, ksub: 257 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => buildIvfPq(data, n, dim, { ...ok, clusterDims: 33 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => buildIvfPq(data, n, dim, { ...ok, metric: 'hamming' as Metric }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(errorCode(() => buildIvfPq(data, n, dim + 1, ok))).toBe('DIMENSION_MISMATCH')
    const nan = data.slice()
    nan[77] = Number.NaN
    expect(errorCode(() => buildIvfPq(nan, n, dim, ok))).toBe('NOT_FINITE')

    const index = buildIvfPq(data, n, dim, { ...ok, kmeansIterations: 2 })
    const q = queries.slice(0, dim)
    expect(errorCode(() => index.search(q, 0))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 2.5))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q.subarray(1), 5))).toBe('DIMENSION_MISMATCH')
    expect(errorCode(() => index.search(q, 5, { nprobe: 5 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 5, { rerank: 10 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 5, { budget: 1e6 }))).toBe('NO_FRONTIER')
    q[3] = Number.POSITIVE_INFINITY
    expect(errorCode(() => index.search(q, 5))).toBe('NOT_FINITE')
  })
})
