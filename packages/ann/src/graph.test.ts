import { beforeAll, describe, expect, it } from 'vitest'
import { AnnError } from './errors.ts'
import { FlatIndex } from './flat.ts'
import { ArtifactWriter, readArtifact, type SectionArray } from './format.ts'
import { GraphIndex } from './graph.ts'
import { loadWasmKernels } from './kernels/wasm-node.ts'
import { loadIndex } from './load.ts'
import { errorCode, matryoshkaData } from './test-data.ts'
import type { Metric } from './types.ts'

const REFUSALS = /^(BAD_MAGIC|UNSUPPORTED_VERSION|TRUNCATED|CHECKSUM_MISMATCH|CORRUPT)$/

let kernels: WebAssembly.Module
beforeAll(async () => {
  kernels = await loadWasmKernels()
})

const n = 1500
const dim = 48
const data = matryoshkaData(n, dim, 30, 5)
const nq = 40
const queries = matryoshkaData(nq, dim, 30, 6)

function recall(index: GraphIndex, metric: Metric, ef: number): number {
  const flat = FlatIndex.build(data, n, dim, { metric })
  let hit = 0
  for (let i = 0; i < nq; i++) {
    const q = queries.subarray(i * dim, (i + 1) * dim)
    const truth = new Set(flat.search(q, 10).ids)
    for (const id of index.search(q, 10, { ef }).ids) if (truth.has(id)) hit++
  }
  return hit / (nq * 10)
}

describe('GraphIndex', () => {
  for (const metric of ['cosine', 'l2', 'ip'] as const) {
    it(`finds the exact neighbours at a wide search (${metric}), more of them as ef grows`, () => {
      const index = GraphIndex.build(data, n, dim, {
        metric,
        graphDims: 16,
        degree: 16,
        efConstruction: 64,
        kernels,
      })
      expect(index.wasm).toBe(true)
      const low = recall(index, metric, 10)
      const high = recall(index, metric, 200)
      expect(high).toBeGreaterThanOrEqual(0.97)
      expect(high).toBeGreaterThanOrEqual(low)
      const r = index.search(queries.subarray(0, dim), 5, { ef: 50 })
      expect(r.ids.length).toBe(5)
      for (let i = 1; i < 5; i++) {
        if (metric === 'l2') expect(r.scores[i]!).toBeGreaterThanOrEqual(r.scores[i - 1]!)
        else expect(r.scores[i]!).toBeLessThanOrEqual(r.scores[i - 1]!)
      }
      expect(r.settings).toEqual({ ef: 50, scanDims: 16 })
      expect(r.cost.candidates).toBeGreaterThan(50)
    })
  }

  it('builds the same bytes in WASM and in TypeScript, and both search alike', () => {
    const small = data.subarray(0, 400 * dim)
    for (const rerankStore of ['bf16', 'f32', 'i8'] as const) {
      const options = {
        metric: 'cosine' as const,
        graphDims: 20,
        degree: 10,
        efConstruction: 30,
        rerankStore,
        seed: 9,
      }
      const ts = GraphIndex.build(small, 400, dim, options)
      const wasm = GraphIndex.build(small, 400, dim, { ...options, kernels })
      expect(ts.wasm).toBe(false)
      expect(Buffer.from(wasm.serialize()).equals(Buffer.from(ts.serialize()))).toBe(true)
      for (let i = 0; i < 10; i++) {
        const q = queries.subarray(i * dim, (i + 1) * dim)
        const a = ts.search(q, 10, { ef: 24 })
        const b = wasm.search(q, 10, { ef: 24 })
        expect(Array.from(b.ids)).toEqual(Array.from(a.ids))
        expect(Array.from(b.scores)).toEqual(Array.from(a.scores))
        expect(b.cost).toEqual(a.cost)
      }
    }
  })

  it('keeps neighbour lists well formed and the build seeded', () => {
    const a = GraphIndex.build(data.subarray(0, 300 * dim), 300, dim, {
      metric: 'l2',
      degree: 8,
      seed: 1,
      kernels,
    })
    const b = GraphIndex.build(data.subarray(0, 300 * dim), 300, dim, {
      metric: 'l2',
      degree: 8,
      seed: 2,
      kernels,
    })
    const degrees = a.degrees()
    for (let i = 0; i < 300; i++) {
      expect(degrees[i]).toBeGreaterThan(0)
      expect(degrees[i]).toBeLessThanOrEqual(8)
      const list = Array.from(a.adjacency.subarray(i * 8, i * 8 + degrees[i]!))
      expect(new Set(list).size).toBe(list.length)
      expect(list).not.toContain(i)
    }
    expect(Buffer.from(a.serialize()).equals(Buffer.from(b.serialize()))).toBe(false)
  })

  it('re-ranks only the best `rerank` of the nodes found when asked', () => {
    const index = GraphIndex.build(data, n, dim, { metric: 'cosine', graphDims: 16, kernels })
    const q = queries.subarray(0, dim)
    const few = index.search(q, 10, { ef: 64, rerank: 3 })
    expect(few.ids.length).toBe(3)
    expect(few.settings.rerank).toBe(3)
  })

  it('saves, loads (TypeScript or WASM) and searches the same', () => {
    const index = GraphIndex.build(data, n, dim, { metric: 'cosine', graphDims: 16, kernels })
    index.frontier = [{ settings: { ef: 32, scanDims: 16 }, recall: 0.9, k: 10, flops: 1e4 }]
    const bytes = index.serialize()
    const back = loadIndex(bytes) as GraphIndex
    expect(back.kind).toBe('graph')
    expect(back.wasm).toBe(false)
    const again = GraphIndex.fromArtifact(readArtifact(bytes), kernels)
    expect(again.wasm).toBe(true)
    for (let i = 0; i < 5; i++) {
      const q = queries.subarray(i * dim, (i + 1) * dim)
      const want = index.search(q, 10, { ef: 40 })
      expect(Array.from(back.search(q, 10, { ef: 40 }).ids)).toEqual(Array.from(want.ids))
      expect(Array.from(again.search(q, 10, { ef: 40 }).ids)).toEqual(Array.from(want.ids))
    }
    expect(back.search(queries.subarray(0, dim), 10, { targetRecall: 0.8 }).settings.ef).toBe(32)
    expect(back.frontier).toEqual(index.frontier)
  })

  it('refuses every flipped byte of a saved graph and inconsistent contents', () => {
    const index = GraphIndex.build(data.subarray(0, 60 * dim), 60, dim, {
      metric: 'l2',
      graphDims: 8,
      degree: 4,
    })
    const bytes = index.serialize()
    for (let i = 0; i < bytes.length; i++) {
      const copy = bytes.slice()
      copy[i] = copy[i]! ^ (1 << (i % 8))
      expect(
        errorCode(() => loadIndex(copy)),
        `flipped byte ${i}`,
      ).toMatch(REFUSALS)
    }
    for (let len = 0; len < bytes.length; len += 97)
      expect(errorCode(() => loadIndex(bytes.subarray(0, len)))).toMatch(REFUSALS)
    const artifact = readArtifact(bytes)
    const rewrite = (params: Record<string, unknown>, sections: Record<string, SectionArray> = {}) => {
      const w = new ArtifactWriter('graph', { ...artifact.params, ...params })
      for (const [name, s] of artifact.sections) w.addSection(name, sections[name] ?? s.data)
      return w.finish()
    }
    const adjacency = index.adjacency.slice()
    adjacency[0] = 60
    const gap = index.adjacency.slice()
    gap[0] = -1
    gap[1] = 3
    const seeds = index.seeds.slice()
    seeds[0] = -2
    const codes = index.codes.slice()
    codes[0] = -128
    const half = index.half!.slice()
    half[3] = 0x7f80 // +Infinity in bfloat16
    const huge = index.half!.slice()
    huge[3] = 0x5f80 // 2^64, past the ±2^32 bound of stored vectors
    const norms = index.norms.slice()
    norms[0] = 2 ** 100
    for (const [what, bad] of [
      ['degree beyond the bound', rewrite({ degree: 100000 })],
      ['ef beyond the bound', rewrite({ ef: 1e9 })],
      ['an unknown re-rank store', rewrite({ rerankStore: 'f64' })],
      ['graph dims beyond dim', rewrite({ graphDims: dim + 1 })],
      ['a neighbour out of range', rewrite({}, { adjacency })],
      ['a hole in a neighbour list', rewrite({}, { adjacency: gap })],
      ['an entry point out of range', rewrite({}, { seeds })],
      ['a code outside [-127, 127]', rewrite({}, { codes })],
      ['a scale of zero', rewrite({}, { scales: new Float32Array(index.scales.length) })],
      ['an infinite stored vector', rewrite({}, { vectors_bf16: half })],
      ['a stored vector past the magnitude bound', rewrite({}, { vectors_bf16: huge })],
      ['a norm past 2^80', rewrite({}, { norms })],
    ] as const) {
      expect(
        errorCode(() => loadIndex(bad)),
        what,
      ).toBe('CORRUPT')
    }
  })

  it('refuses bad build options and search parameters with a typed error', () => {
    expect(errorCode(() => GraphIndex.build(data, n, dim, { metric: 'cosine', degree: 1 }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(errorCode(() => GraphIndex.build(data, n, dim, { metric: 'cosine', degree: 1000 }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(errorCode(() => GraphIndex.build(data, n, dim, { metric: 'cosine', graphDims: dim + 1 }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(
      errorCode(() => GraphIndex.build(data, n, dim, { metric: 'cosine', rerankStore: 'f16' as never })),
    ).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => GraphIndex.build(data, n + 1, dim, { metric: 'cosine' }))).toBe(
      'DIMENSION_MISMATCH',
    )
    const bad = data.slice(0, 10 * dim)
    bad[5] = Number.NaN
    expect(errorCode(() => GraphIndex.build(bad, 10, dim, { metric: 'cosine' }))).toBe('NOT_FINITE')
    const index = GraphIndex.build(data.subarray(0, 50 * dim), 50, dim, { metric: 'cosine' })
    const q = queries.subarray(0, dim)
    expect(errorCode(() => index.search(q, 10, { ef: 0 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 10, { ef: 5000 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 10, { nprobe: 2 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 10, { scanDims: 3 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 10, { targetRecall: 0.9 }))).toBe('NO_FRONTIER')
    expect(errorCode(() => index.search(q.subarray(1), 10))).toBe('DIMENSION_MISMATCH')
    expect(() => index.useWasm({} as WebAssembly.Module)).toThrow(AnnError)
    // A failed useWasm leaves the index working.
    expect(index.search(q, 3).ids.length).toBe(3)
  })

  it('sweeps its search width from low to high in the default tuning grid', () => {
    const index = GraphIndex.build(data.subarray(0, 600 * dim), 600, dim, { metric: 'cosine', kernels })
    const efs = index.tuningGrid(10).map((s) => s.ef!)
    expect(efs[0]).toBe(10)
    expect(efs).toEqual([...efs].sort((a, b) => a - b))
    expect(efs.at(-1)).toBe(512)
  })
})
