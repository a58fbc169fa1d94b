import { loadDefaultCorpus } from '@frugal/datasets/node'
import { describe, expect, it } from 'vitest'
import { BUILD_KINDS, buildIndexSet } from './build.ts'
import { loadIndexSet } from './index-set.ts'

describe('dense index kinds', () => {
  const docs = loadDefaultCorpus().slice(0, 600)

  it.each(BUILD_KINDS)('builds, loads and searches a %s index set', async (kind) => {
    const { files, manifest } = await buildIndexSet(docs, {
      embedder: { kind: 'lsa', fit: { dims: 16 } },
      kind,
    })
    expect(manifest.dense.kind).toBe(kind)
    expect(manifest.dense.frontier?.length).toBeGreaterThan(0)
    const index = await loadIndexSet(files)
    expect(index.stats().denseKind).toBe(kind)
    // A passage's own text ranks itself first once candidates are re-ranked exactly.
    let found = 0
    for (const doc of docs.slice(0, 60)) {
      const res = await index.search({
        query: doc.text,
        k: 5,
        mode: 'dense',
        nprobe: kind.startsWith('ivf') ? 8 : undefined,
      })
      if (res.hits.some((h) => h.id === doc.id)) found++
    }
    expect(found).toBeGreaterThanOrEqual(54)
    // A zero vector has no neighbours worth returning, but it is searched, not refused.
    const zero = await index.search({ vector: new Array(16).fill(0), k: 5, mode: 'dense' })
    expect(zero.hits).toEqual([])
    expect(zero.cost.flops).toBeGreaterThan(0)
  })
})
