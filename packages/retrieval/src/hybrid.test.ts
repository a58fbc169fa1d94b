import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { type BuiltIndexSet, buildIndexSet } from './build.ts'
import { RetrievalError } from './errors.ts'
import { loadIndexSet } from './index-set.ts'
import { parseManifest } from './manifest.ts'
import { readIndexSet } from './node.ts'
import { TINY_CORPUS } from './test-fixtures.ts'
import type { RetrievalIndex } from './types.ts'

/**
 * A set without `fusion` in its manifest, as every set written before fusion calibration
 * existed (written with `calibrate: false`, which leaves the manifest exactly as it was).
 */
const LEGACY_SET = join(fileURLToPath(new URL('.', import.meta.url)), '../test-fixtures/index-set-v2-rrf')

/** Hybrid results the version before calibration gave on this corpus (equal-weight RRF, k = 60). */
const LEGACY_RESULTS = [
  {
    query: 'rockets to the moon',
    ids: ['moon', 'tax', 'trade', 'navy', 'rail'],
    scores: [0.032786883413791656, 0.016129031777381897, 0.01587301678955555, 0.015625, 0.015384615398943424],
  },
  {
    query: 'tax relief for farmers',
    ids: ['tax', 'farm', 'moon', 'health', 'school'],
    scores: [0.032786883413791656, 0.032258063554763794, 0.01587301678955555, 0.015625, 0.015384615398943424],
  },
  {
    query: 'ships and trade tariffs',
    ids: ['trade', 'navy', 'school', 'moon', 'rail'],
    scores: [
      0.032786883413791656, 0.0317540317773819, 0.016129031777381897, 0.01587301678955555,
      0.015384615398943424,
    ],
  },
]

describe('index sets without a calibrated fusion', () => {
  it('load, and hybrid search fuses by equal-weight RRF exactly as when they were written', async () => {
    const files = await readIndexSet(LEGACY_SET)
    expect(parseManifest(files['manifest.json']!).fusion).toBeUndefined()
    const index = await loadIndexSet(files)
    for (const expected of LEGACY_RESULTS) {
      const res = await index.search({ query: expected.query, k: 5, mode: 'hybrid' })
      expect(res.hits.map((h) => h.id)).toEqual(expected.ids)
      expect(res.hits.map((h) => h.score)).toEqual(expected.scores)
      expect(res.settings.fusion).toEqual({
        method: 'rrf',
        k: 60,
        denseWeight: 1,
        lexicalWeight: 1,
        depth: 100,
      })
    }
  })

  it('take a per-query fusion like any set', async () => {
    const index = await loadIndexSet(await readIndexSet(LEGACY_SET))
    const res = await index.search({
      query: 'tax relief for farmers',
      k: 3,
      fusion: { method: 'convex', denseWeight: 0, lexicalWeight: 1 },
    })
    const lexical = await index.search({ query: 'tax relief for farmers', k: 3, mode: 'lexical' })
    expect(res.hits.map((h) => h.id)).toEqual(lexical.hits.map((h) => h.id))
    expect(res.settings.fusion).toMatchObject({ method: 'convex', denseWeight: 0, lexicalWeight: 1 })
  })
})

describe('index sets with a calibrated fusion', () => {
  let built: BuiltIndexSet
  let index: RetrievalIndex
  beforeAll(async () => {
    built = await buildIndexSet(TINY_CORPUS, { name: 'tiny', embedder: { kind: 'lsa', fit: { dims: 6 } } })
    index = await loadIndexSet(built.files)
  })

  it('search hybrid with the manifest fusion unless the request overrides it', async () => {
    const { calibration: _, ...calibrated } = built.manifest.fusion!
    const byDefault = await index.search({ query: 'ships and trade tariffs', k: 8 })
    expect(byDefault.settings.fusion).toEqual({ ...calibrated, depth: 100 })
    const legacy = await index.search({
      query: 'ships and trade tariffs',
      k: 5,
      fusion: { method: 'rrf', k: 60, denseWeight: 1, lexicalWeight: 1 },
    })
    const old = await loadIndexSet(await readIndexSet(LEGACY_SET))
    // The same documents and analyzer: the explicit legacy fusion gives the legacy ranking.
    expect(legacy.hits.map((h) => h.id)).toEqual(LEGACY_RESULTS[2]!.ids)
    expect(legacy.hits.map((h) => h.id)).toEqual(
      (await old.search({ query: 'ships and trade tariffs', k: 5 })).hits.map((h) => h.id),
    )
    const denseOnly = await index.search({
      query: 'ships and trade tariffs',
      k: 8,
      fusion: { method: 'convex', denseWeight: 1, lexicalWeight: 0 },
    })
    const dense = await index.search({ query: 'ships and trade tariffs', k: 8, mode: 'dense' })
    expect(denseOnly.hits.map((h) => h.id)).toEqual(dense.hits.map((h) => h.id))
  })

  it('refuse a manifest whose fusion is malformed, naming the field', () => {
    const manifest = JSON.parse(new TextDecoder().decode(built.files['manifest.json']))
    // Each case: values to set (undefined deletes) under `fusion`, and the field named.
    const cases: [Record<string, unknown>, string][] = [
      [{ method: 'linear' }, 'fusion.method'],
      [{ denseWeight: -1 }, 'fusion.denseWeight'],
      [{ denseWeight: 0, lexicalWeight: 0 }, 'fusion.denseWeight'],
      [{ k: 'sixty' }, 'fusion.k'],
      [{ calibration: undefined }, 'fusion.calibration'],
      [
        { calibration: { ...manifest.fusion.calibration, ndcg: { dense: 0, lexical: 0, rrf: 0, fused: 2 } } },
        'fusion.calibration.ndcg.fused',
      ],
    ]
    for (const [values, field] of cases) {
      const copy = structuredClone(manifest)
      for (const [key, value] of Object.entries(values)) {
        if (value === undefined) delete copy.fusion[key]
        else copy.fusion[key] = value
      }
      let error: unknown
      try {
        parseManifest(JSON.stringify(copy))
      } catch (e) {
        error = e
      }
      expect(error, field).toBeInstanceOf(RetrievalError)
      expect(error).toMatchObject({ code: 'BAD_MANIFEST', field })
    }
  })
})
