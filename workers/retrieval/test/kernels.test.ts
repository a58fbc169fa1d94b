import { GraphIndex, IvfInt8Index, Rng } from '@frugal/ann'
import kernels from '@frugal/ann/kernels.wasm'
import { buildIndexSet, loadIndexSet } from '@frugal/retrieval'
import { describe, expect, it } from 'vitest'

/** The same import the worker makes (src/store.ts), compiled by workerd's module loader. */
describe('the WASM SIMD kernels in workerd', () => {
  const n = 400
  const dim = 32
  const rng = new Rng(4)
  const data = new Float32Array(n * dim)
  for (let i = 0; i < data.length; i++) data[i] = rng.gaussian() / (1 + (i % dim) / 4)
  const queries = data.slice(0, 5 * dim).map((v) => v + 0.05 * rng.gaussian())

  it('arrive as a compiled module and run the graph and int8 IVF searches as the TypeScript path does', () => {
    expect(kernels).toBeInstanceOf(WebAssembly.Module)
    const options = { metric: 'cosine' as const, graphDims: 16, degree: 8, efConstruction: 32 }
    const wasm = GraphIndex.build(data, n, dim, { ...options, kernels })
    const ts = GraphIndex.build(data, n, dim, options)
    expect(wasm.wasm).toBe(true)
    const ivfWasm = IvfInt8Index.build(data, n, dim, { metric: 'l2', nlist: 8, iterations: 3, kernels })
    const ivfTs = IvfInt8Index.build(data, n, dim, { metric: 'l2', nlist: 8, iterations: 3 })
    for (let i = 0; i < 5; i++) {
      const q = queries.subarray(i * dim, (i + 1) * dim)
      expect(Array.from(wasm.search(q, 5, { ef: 20 }).ids)).toEqual(
        Array.from(ts.search(q, 5, { ef: 20 }).ids),
      )
      expect(wasm.search(q, 1, { ef: 20 }).ids[0]).toBe(i)
      const a = ivfWasm.search(q, 5, { nprobe: 8, scanDims: 16, rerank: 20 })
      expect(Array.from(a.ids)).toEqual(
        Array.from(ivfTs.search(q, 5, { nprobe: 8, scanDims: 16, rerank: 20 }).ids),
      )
    }
  })

  it('are handed to the dense index of a loaded set, which then answers as without them', async () => {
    const docs = Array.from({ length: 120 }, (_, i) => ({
      id: `d${i}`,
      title: `doc ${i}`,
      text: `${['rail', 'canal', 'tariff', 'treaty', 'army', 'navy'][i % 6]} ${['bank', 'gold', 'silver', 'wheat'][i % 4]} report ${i % 7}`,
    }))
    const { files } = await buildIndexSet(docs, {
      name: 'k',
      embedder: { kind: 'lsa', fit: { dims: 8 } },
      kind: 'binary',
    })
    const plain = await loadIndexSet(files)
    const fast = await loadIndexSet(files, { kernels })
    expect(fast.stats().annBytes).toBeGreaterThan(plain.stats().annBytes)
    for (const query of ['rail bank', 'navy gold report', 'treaty wheat']) {
      const [a] = await plain.searchBatch([{ query, k: 5, mode: 'dense' }])
      const [b] = await fast.searchBatch([{ query, k: 5, mode: 'dense' }])
      expect(b!.hits.map((h) => h.id)).toEqual(a!.hits.map((h) => h.id))
    }
  })
})
