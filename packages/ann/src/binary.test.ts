import { describe, expect, it } from 'vitest'
import { BinaryIndex, buildBinary, calibrateThresholds, loadBinary } from './binary.ts'
import { AnnError } from './errors.ts'
import { FlatIndex } from './flat.ts'
import { readArtifact } from './format.ts'
import { loadWasmKernels } from './kernels/wasm-node.ts'
import { Rng } from './random.ts'
import { tune } from './tune.ts'
import type { Metric } from './types.ts'

/** Clustered data with a per-dimension offset (so the sign of a value carries little). */
function offsetClusters(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed)
  const centres = 30
  const c = new Float32Array(centres * dim)
  for (let i = 0; i < c.length; i++) c[i] = rng.gaussian()
  const x = new Float32Array(n * dim)
  for (let i = 0; i < n; i++) {
    const k = rng.int(centres)
    for (let j = 0; j < dim; j++) x[i * dim + j] = 3 + 0.1 * j + c[k * dim + j]! + 0.6 * rng.gaussian()
  }
  return x
}

function exact(
  data: Float32Array,
  n: number,
  dim: number,
  q: Float32Array,
  k: number,
  metric: Metric,
  d = dim,
) {
  const scores: [number, number][] = []
  let qn = 0
  for (let j = 0; j < d; j++) qn += q[j]! * q[j]!
  for (let i = 0; i < n; i++) {
    let s = 0
    let xn = 0
    for (let j = 0; j < d; j++) {
      const v = data[i * dim + j]!
      xn += v * v
      s += metric === 'l2' ? (v - q[j]!) ** 2 : v * q[j]!
    }
    scores.push([i, metric === 'cosine' ? s / Math.sqrt(xn * qn) : s])
  }
  scores.sort((a, b) => (metric === 'l2' ? a[1] - b[1] : b[1] - a[1]) || a[0] - b[0])
  return scores.slice(0, k)
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

const n = 1500
const dim = 48
const data = offsetClusters(n, dim, 5)
const nq = 15
const queries = offsetClusters(nq, dim, 6)

describe('binary index', () => {
  for (const metric of ['cosine', 'ip', 'l2'] as const) {
    it(`with a full re-rank equals exact search (${metric})`, () => {
      const index = buildBinary(data, n, dim, { metric })
      const flat = FlatIndex.build(data, n, dim, { metric })
      for (let qi = 0; qi < nq; qi++) {
        const q = queries.subarray(qi * dim, (qi + 1) * dim)
        const got = index.search(q, 10, { rerank: n })
        const want = flat.search(q, 10)
        expect(got.ids).toEqual(want.ids)
        for (let i = 0; i < 10; i++) expect(got.scores[i]).toBeCloseTo(want.scores[i]!, 3)
      }
    })
  }

  it('re-ranks on a scanDims prefix, re-normalised for cosine', () => {
    const index = buildBinary(data, n, dim, { metric: 'cosine' })
    const q = queries.subarray(0, dim)
    const got = index.search(q, 5, { rerank: n, scanDims: 16 })
    const want = FlatIndex.build(data, n, dim, { metric: 'cosine' }).search(q, 5, { scanDims: 16 })
    expect(got.ids).toEqual(want.ids)
    expect(got.settings.scanDims).toBe(16)
    expect(got.cost.dims).toBe(16)
  })

  it('calibrates per-dimension thresholds (median) instead of testing the sign', () => {
    const index = buildBinary(data, n, dim, { metric: 'l2' })
    // Every value is offset by about 3 + 0.1 j, so a sign test would set every bit.
    for (let j = 0; j < dim; j++) {
      expect(index.thresholds[j]!).toBeGreaterThan(1.5 + 0.1 * j)
      let set = 0
      for (let i = 0; i < n; i++) if ((index.codes[i * index.words + (j >> 5)]! >>> (j & 31)) & 1) set++
      // The median splits the rows in half (ties aside).
      expect(Math.abs(set - n / 2)).toBeLessThanOrEqual(1)
    }
    // The selection-based median equals the sorted median, also with many ties and even counts.
    for (const rows of [1, 2, 7, 64, 501]) {
      const rng = new Rng(rows)
      const x = new Float32Array(rows * 3)
      for (let i = 0; i < x.length; i++) x[i] = i % 3 === 0 ? rng.int(4) : rng.gaussian()
      const got = calibrateThresholds(x, rows, 3, 'median', rows, 1)
      for (let j = 0; j < 3; j++) {
        const col = Array.from({ length: rows }, (_, i) => x[i * 3 + j]!).sort((a, b) => a - b)
        const want = rows % 2 ? col[rows >> 1]! : (col[(rows >> 1) - 1]! + col[rows >> 1]!) / 2
        expect(got[j]).toBe(Math.fround(want))
      }
    }
    const means = calibrateThresholds(data, n, dim, 'mean', n, 1)
    for (let j = 0; j < dim; j++) {
      let s = 0
      for (let i = 0; i < n; i++) s += data[i * dim + j]!
      expect(means[j]).toBeCloseTo(s / n, 4)
    }
  })

  it('finds more true neighbours the deeper it re-ranks, and all of them at full depth', () => {
    const index = buildBinary(data, n, dim, { metric: 'cosine', rerank: 75 })
    const recall = (rerank?: number) => {
      let hits = 0
      for (let qi = 0; qi < nq; qi++) {
        const q = queries.subarray(qi * dim, (qi + 1) * dim)
        const got = index.search(q, 10, rerank === undefined ? {} : { rerank })
        const want = new Set(exact(data, n, dim, q, 10, 'cosine').map((w) => w[0]))
        for (const id of got.ids) if (want.has(id)) hits++
        expect(got.settings.rerank).toBe(rerank ?? 75)
        expect(got.cost.candidates).toBe(n + (rerank ?? 75))
      }
      return hits / (10 * nq)
    }
    const curve = [recall(30), recall(), recall(300), recall(600), recall(n)]
    for (let i = 1; i < curve.length; i++) expect(curve[i]!).toBeGreaterThanOrEqual(curve[i - 1]!)
    // 48-bit codes rank far better than chance (75 random rows of 1500 would hold 5% of them).
    expect(curve[1]!).toBeGreaterThan(0.3)
    expect(curve[4]).toBe(1)
    // dim / 8 bytes per vector, rounded up to whole 32-bit words.
    expect(index.codeBytes()).toBe(n * Math.ceil(dim / 32) * 4)
    expect(index.rerankBytes()).toBe(n * dim * 4)
    expect(index.byteSize()).toBeGreaterThan(index.codeBytes() + index.rerankBytes())
  })

  it('merges identical and near-identical codes and keeps every member findable', () => {
    // 200 distinct rows, each repeated 3 times with tiny jitter.
    const base = offsetClusters(200, dim, 9)
    const rng = new Rng(2)
    const rows = 600
    const x = new Float32Array(rows * dim)
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < dim; j++)
        x[i * dim + j] = base[(i % 200) * dim + j]! + (i < 200 ? 0 : 1e-4 * rng.gaussian())
    }
    const exactOnly = buildBinary(x, rows, dim, { metric: 'l2', mergeRadius: 0 })
    const near = buildBinary(x, rows, dim, { metric: 'l2', mergeRadius: 3 })
    expect(exactOnly.entries).toBeLessThan(rows)
    expect(near.entries).toBeLessThanOrEqual(exactOnly.entries)
    expect(near.entries).toBeLessThanOrEqual(210)
    expect(near.codeBytes()).toBe(near.entries * near.words * 4)
    for (const index of [exactOnly, near]) {
      for (let i = 0; i < rows; i++) {
        const got = index.search(x.subarray(i * dim, (i + 1) * dim), 3, { rerank: 3 })
        expect(Array.from(got.ids)).toContain(i)
        expect(got.cost.candidates).toBe(index.entries + 3)
      }
    }
    // Every member sits within the radius of its entry's code.
    const words = near.words
    const code = new Uint32Array(words)
    for (let e = 0; e < near.entries; e++) {
      for (let p = near.memberOffsets[e]!; p < near.memberOffsets[e + 1]!; p++) {
        const row = near.members[p]!
        let h = 0
        for (let w = 0; w < words; w++) {
          let bits = 0
          for (let b = 0; b < 32 && w * 32 + b < dim; b++) {
            if (near.vectors[row * dim + w * 32 + b]! > near.thresholds[w * 32 + b]!) bits |= 1 << b
          }
          code[w] = bits
          let v = (bits ^ near.codes[e * words + w]!) >>> 0
          while (v) {
            h += v & 1
            v >>>= 1
          }
        }
        expect(h).toBeLessThanOrEqual(3)
      }
    }
  })

  it('gives identical results on the WASM popcount kernel', async () => {
    const module = await loadWasmKernels()
    for (const mergeRadius of [undefined, 1]) {
      const ts = buildBinary(data, n, dim, { metric: 'cosine', rerank: 40, mergeRadius })
      const wasm = buildBinary(data, n, dim, { metric: 'cosine', rerank: 40, mergeRadius }).useWasm(module)
      expect(wasm.usesWasm).toBe(true)
      const a = ts.searchBatch(queries, 10)
      const b = wasm.searchBatch(queries, 10)
      for (let i = 0; i < nq; i++) {
        expect(b[i]!.ids).toEqual(a[i]!.ids)
        expect(b[i]!.scores).toEqual(a[i]!.scores)
      }
    }
  })

  it('tunes re-rank depth and prefix into a frontier that budgets pick from', () => {
    const index = buildBinary(data, n, dim, { metric: 'cosine' })
    const frontier = tune(index, queries, { k: 10, base: data })
    expect(frontier.length).toBeGreaterThan(1)
    for (const p of frontier) expect(p.settings.rerank).toBeGreaterThanOrEqual(10)
    const q = queries.subarray(0, dim)
    expect(index.search(q, 10, { budget: frontier[0]!.flops }).settings).toEqual(frontier[0]!.settings)
    expect(loadBinary(readArtifact(index.serialize())).frontier).toEqual(frontier)
  })

  it('saves and loads to bit-identical results, merged or not', () => {
    for (const mergeRadius of [undefined, 2]) {
      const index = buildBinary(data, n, dim, { metric: 'cosine', rerank: 50, mergeRadius })
      const bytes = index.serialize()
      const loaded = loadBinary(readArtifact(bytes))
      expect(loaded).toBeInstanceOf(BinaryIndex)
      expect(loaded.serialize()).toEqual(bytes)
      const a = index.searchBatch(queries, 10, { scanDims: 24 })
      const b = loaded.searchBatch(queries, 10, { scanDims: 24 })
      for (let i = 0; i < nq; i++) {
        expect(b[i]!.ids).toEqual(a[i]!.ids)
        expect(new Uint32Array(b[i]!.scores.buffer)).toEqual(new Uint32Array(a[i]!.scores.buffer))
      }
    }
  })

  it('refuses corrupted artifacts', () => {
    const index = buildBinary(data.subarray(0, 200 * dim), 200, dim, { metric: 'ip', mergeRadius: 1 })
    const bytes = index.serialize()
    const rng = new Rng(4)
    for (let t = 0; t < 40; t++) {
      const bad = bytes.slice()
      bad[rng.int(bad.length)]! ^= 1 << rng.int(8)
      expect(() => loadBinary(readArtifact(bad))).toThrow(AnnError)
    }
    expect(() => loadBinary(readArtifact(bytes.subarray(0, 100)))).toThrow(AnnError)
  })

  it('refuses bad arguments with typed errors', () => {
    expect(errorCode(() => buildBinary(data, n, dim, { metric: 'dot' as Metric }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => buildBinary(data, n, dim + 1, { metric: 'l2' }))).toBe('DIMENSION_MISMATCH')
    expect(errorCode(() => buildBinary(data, n, dim, { metric: 'l2', mergeRadius: -2 }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(errorCode(() => buildBinary(data, n, dim, { metric: 'l2', rerank: 1.5 }))).toBe('INVALID_ARGUMENT')
    const nan = data.slice()
    nan[5] = Number.NaN
    expect(errorCode(() => buildBinary(nan, n, dim, { metric: 'l2' }))).toBe('NOT_FINITE')
    const index = buildBinary(data, n, dim, { metric: 'l2' })
    const q = queries.slice(0, dim)
    expect(errorCode(() => index.search(q, 0))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, -3))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q.subarray(2), 3))).toBe('DIMENSION_MISMATCH')
    expect(errorCode(() => index.search(q, 3, { scanDims: dim + 1 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.searchBatch(q.subarray(1), 3))).toBe('DIMENSION_MISMATCH')
    expect(errorCode(() => index.search(q, 3, { targetRecall: 0.9 }))).toBe('NO_FRONTIER')
    expect(errorCode(() => index.search(q, 3, { nprobe: 2 }))).toBe('INVALID_ARGUMENT')
    q[0] = Number.NaN
    expect(errorCode(() => index.search(q, 3))).toBe('NOT_FINITE')
  })
})
