import { describe, expect, it } from 'vitest'
import { buildBinary } from './binary.ts'
import { FlatIndex } from './flat.ts'
import { ArtifactWriter, readArtifact, type SectionArray } from './format.ts'
import { IvfIndex } from './ivf.ts'
import { buildIvfPq } from './ivfpq.ts'
import { loadIndex } from './load.ts'
import { Rng } from './random.ts'
import { errorCode, matryoshkaData } from './test-data.ts'
import type { Metric, VectorIndex } from './types.ts'
import { MAX_MAGNITUDE, MAX_RERANK } from './validate.ts'

/** Re-seals `bytes` with some params replaced and `edit` applied to copies of its sections. */
function resealed(
  bytes: Uint8Array,
  params: Record<string, unknown>,
  edit: (name: string, data: SectionArray) => void = () => {},
): Uint8Array {
  const artifact = readArtifact(bytes)
  const w = new ArtifactWriter(artifact.kind, { ...artifact.params, ...params })
  for (const [name, s] of artifact.sections) {
    const copy = s.data.slice()
    edit(name, copy)
    w.addSection(name, copy)
  }
  return w.finish()
}

const n = 96
const dim = 8
const data = matryoshkaData(n, dim, 4, 5)
const query = data.slice(0, dim)

function kinds(metric: Metric, values = data): [string, VectorIndex][] {
  return [
    ['flat', FlatIndex.build(values, n, dim, { metric, prefixDims: [4] })],
    ['ivf', IvfIndex.build(values, n, dim, { metric, nlist: 4, clusterDims: 4, iterations: 3 })],
    ['ivfpq', buildIvfPq(values, n, dim, { metric, nlist: 4, m: 4, keepVectors: true, rerank: 10 })],
    ['binary', buildBinary(values, n, dim, { metric })],
  ]
}

describe('load-time bounds of stored parameters', () => {
  it('refuses an ivfpq index whose stored rerank is past 2^20 (2^32 used to throw RangeError at search)', () => {
    const bytes = buildIvfPq(data, n, dim, { metric: 'l2', nlist: 4, m: 4, keepVectors: true, rerank: 10 })
    for (const rerank of [2 ** 32, MAX_RERANK + 1]) {
      expect(
        errorCode(() => loadIndex(resealed(bytes.serialize(), { rerank }))),
        `rerank ${rerank}`,
      ).toBe('CORRUPT')
    }
    // A depth past the rows is legal (it means all of them).
    expect(loadIndex(resealed(bytes.serialize(), { rerank: MAX_RERANK })).search(query, 3).ids.length).toBe(3)
  })

  it('searches an ivfpq index with a requested rerank of 2^32 (a buffer is never sized past the rows)', () => {
    const index = buildIvfPq(data, n, dim, { metric: 'l2', nlist: 4, m: 4, keepVectors: true, rerank: 10 })
    expect(index.search(query, 3, { rerank: 2 ** 32 }).ids.length).toBe(3)
  })

  it('refuses a binary index whose stored rerank or merge radius exceed what the index can hold', () => {
    const bytes = buildBinary(data, n, dim, { metric: 'cosine' }).serialize()
    expect(errorCode(() => loadIndex(resealed(bytes, { rerank: 2 ** 32 })))).toBe('CORRUPT')
    expect(errorCode(() => loadIndex(resealed(bytes, { mergeRadius: 2 ** 40 })))).toBe('CORRUPT')
  })

  it('refuses a binary index whose codes set padding bits past dim (found by the fuzzer: repeated hits)', () => {
    const index = buildBinary(data, n, dim, { metric: 'cosine' })
    const bytes = resealed(index.serialize(), {}, (name, section) => {
      if (name === 'codes') section[3] = (section[3]! | (1 << 20)) >>> 0
    })
    expect(errorCode(() => loadIndex(bytes))).toBe('CORRUPT')
  })

  it('refuses a flat or ivf index declaring a dim of 2^32 (or anything past 65,536)', () => {
    for (const [kind, index] of kinds('cosine').slice(0, 2)) {
      for (const d of [2 ** 32, 65_537]) {
        expect(
          errorCode(() => loadIndex(resealed(index.serialize(), { dim: d }))),
          `${kind} dim ${d}`,
        ).toBe('CORRUPT')
      }
    }
  })

  it('refuses a stored frontier whose settings the index cannot run (they failed only at search)', () => {
    const [, ivf] = kinds('cosine')[1]!
    const point = (settings: Record<string, number>) => ({ settings, recall: 0.9, k: 10, flops: 100 })
    for (const settings of [
      { scanDims: dim + 1 },
      { scanDims: 4, nprobe: 5 },
      { scanDims: 4, clusterDims: 5 },
      { scanDims: 4, rerank: 2 ** 32 },
    ] as Record<string, number>[]) {
      const bytes = resealed(ivf.serialize(), { frontier: [point(settings)] })
      expect(
        errorCode(() => loadIndex(bytes)),
        JSON.stringify(settings),
      ).toBe('CORRUPT')
    }
    const ok = resealed(ivf.serialize(), { frontier: [point({ scanDims: 4, nprobe: 4, clusterDims: 4 })] })
    expect(loadIndex(ok).search(query, 3, { budget: 100 }).ids.length).toBe(3)
    // Found by the fuzzer: an ivf artifact relabelled 'flat' loaded its nprobe frontier, then every budget search threw.
    for (const [kind, index] of [kinds('cosine')[0]!, kinds('cosine')[3]!]) {
      for (const settings of [
        { scanDims: 4, nprobe: 1 },
        { scanDims: 4, clusterDims: 4 },
      ] as Record<string, number>[]) {
        const bytes = resealed(index.serialize(), { frontier: [point(settings)] })
        expect(
          errorCode(() => loadIndex(bytes)),
          `${kind} ${JSON.stringify(settings)}`,
        ).toBe('CORRUPT')
      }
    }
  })
})

describe('stored magnitudes', () => {
  it.each(['cosine', 'ip', 'l2'] as const)(
    'refuses huge finite stored floats (3.4e38) in every kind (%s), which gave ±Infinity scores',
    (metric) => {
      for (const [kind, index] of kinds(metric)) {
        const bytes = resealed(index.serialize(), {}, (name, section) => {
          if (section instanceof Float32Array && /^(vectors|vectors_0)$/.test(name)) section[3] = 3.4e38
        })
        expect(
          errorCode(() => loadIndex(bytes)),
          `${kind} ${metric}`,
        ).toBe('CORRUPT')
      }
    },
  )

  it('refuses huge stored centroids, thresholds and norms', () => {
    const sections: [string, VectorIndex, string][] = [
      ['ivf', kinds('l2')[1]![1], 'centroids'],
      ['ivfpq', kinds('l2')[2]![1], 'pq_centroids'],
      ['ivfpq', kinds('l2')[2]![1], 'probe_centroids'],
      ['binary', kinds('l2')[3]![1], 'thresholds'],
      ['flat', kinds('l2')[0]![1], 'norms'],
    ]
    for (const [kind, index, target] of sections) {
      const bytes = resealed(index.serialize(), {}, (name, section) => {
        if (name === target) section[0] = 3e38
      })
      expect(
        errorCode(() => loadIndex(bytes)),
        `${kind} ${target}`,
      ).toBe('CORRUPT')
    }
  })

  it.each(['cosine', 'ip', 'l2'] as const)(
    'returns finite scores for stored values and queries at the bound in every kind (%s)',
    (metric) => {
      const rng = new Rng(9)
      const huge = Float32Array.from(data, () => (rng.next() < 0.5 ? -1 : 1) * MAX_MAGNITUDE)
      const q = Float32Array.from({ length: dim }, (_, i) => (i % 2 ? -1 : 1) * MAX_MAGNITUDE)
      for (const [kind, index] of kinds(metric, huge)) {
        const loaded = loadIndex(index.serialize())
        const { scores } = loaded.search(q, 10)
        expect(scores.length, `${kind} ${metric}`).toBeGreaterThan(0)
        expect([...scores].every(Number.isFinite), `${kind} ${metric}: ${[...scores]}`).toBe(true)
      }
    },
  )

  it('refuses a query or data value beyond ±2^32 with NOT_FINITE', () => {
    const index = kinds('ip')[0]![1]
    const q = query.slice()
    q[2] = 1e20
    expect(errorCode(() => index.search(q, 3))).toBe('NOT_FINITE')
    const bad = data.slice()
    bad[5] = -3e38
    expect(errorCode(() => FlatIndex.build(bad, n, dim, { metric: 'ip' }))).toBe('NOT_FINITE')
  })
})
