import { Rng } from '@frugal/ann'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildIndexSet, type ExternalEmbedder } from './build.ts'
import { chooseFusion, type FusionSweep, fusionGrid, pseudoQueries } from './calibrate.ts'
import { RetrievalError } from './errors.ts'

const TEXTS = [
  'Wings stall at high angles of attack. The boundary layer separates from the upper surface. Lift falls.',
  'A single sentence document about supersonic nozzles and shocks',
  'Heat transfer in laminar flow is studied. Experiments used a heated flat plate in a wind tunnel.',
  'Shells buckle under axial load! Cylinders with imperfections buckle at lower loads than theory predicts.',
]

describe('pseudo-queries', () => {
  it('cut one sentence out of a document: the query is a window of it, the rest is the document without it', () => {
    const queries = pseudoQueries(TEXTS, 10, 7)
    expect(queries.length).toBe(3)
    expect(queries.map((q) => q.row).sort()).toEqual([0, 2, 3])
    for (const q of queries) {
      const doc = TEXTS[q.row]!
      expect(doc).toContain(q.text)
      expect(q.rest).not.toContain(q.text)
      expect(q.text.split(' ').length).toBeLessThanOrEqual(16)
      // What was cut out plus what is left is the whole document (up to the sentence breaks).
      const words = (s: string) => s.split(/\s+/).filter(Boolean).sort()
      expect(words(q.rest).length).toBeLessThan(words(doc).length)
      for (const w of words(q.rest)) expect(doc).toContain(w)
    }
  })

  it('are reproducible from the seed and stop at the count', () => {
    expect(pseudoQueries(TEXTS, 10, 7)).toEqual(pseudoQueries(TEXTS, 10, 7))
    expect(pseudoQueries(TEXTS, 2, 7).length).toBe(2)
    const many = Array.from({ length: 50 }, (_, i) => `${TEXTS[i % 4]} Row ${i} says more. Then ends here.`)
    expect(pseudoQueries(many, 20, 1).map((q) => q.row)).not.toEqual(
      pseudoQueries(many, 20, 2).map((q) => q.row),
    )
  })
})

/** A sweep over the grid from a function of (method, dense weight) to per-query values. */
function sweep(values: (method: string, w: number, query: number) => number, queries = 50): FusionSweep {
  const grid = fusionGrid().map((setting) => {
    const perQuery = Float64Array.from({ length: queries }, (_, q) =>
      values(setting.method, setting.denseWeight, q),
    )
    return { setting, perQuery, ndcg: perQuery.reduce((a, b) => a + b, 0) / queries }
  })
  return { queries, dense: 0, lexical: 0, rrf: 0, grid }
}

describe('choosing the fusion', () => {
  it('keeps a clearly best setting', () => {
    const chosen = chooseFusion(sweep((m, w) => (m === 'convex' ? 0.5 - Math.abs(w - 0.2) : 0.3)))
    expect(chosen?.setting).toMatchObject({ method: 'convex', denseWeight: 0.2, lexicalWeight: 0.8 })
  })

  it('takes the centre of the settings within half a standard error of the best', () => {
    // Convex 0.1 is best on average; 0.15..0.5 trail it by less than half their noise on some
    // queries (every other weight is noisy), 0.55+ are clearly worse. RRF is never close.
    const noisy = sweep((m, w, q) => {
      if (m !== 'convex') return 0.1
      const noise = q % 2 === 0 ? 0.2 : -0.2
      if (w <= 0.1) return 0.6
      if (w <= 0.5) return 0.599 + (Math.round(w * 20) % 2 === 0 ? noise : 0)
      return 0.3
    })
    // Close: 0, 0.05, 0.1 and the noisy 0.2, 0.3, 0.4, 0.5 — the median weight is 0.2.
    expect(chooseFusion(noisy)?.setting).toMatchObject({ method: 'convex', denseWeight: 0.2 })
    // Without noise, trailing by 0.001 is a real difference: only 0..0.1 are close.
    const clean = sweep((m, w) => (m !== 'convex' ? 0.1 : w <= 0.1 ? 0.6 : w <= 0.5 ? 0.599 : 0.3))
    expect(chooseFusion(clean)?.setting).toMatchObject({ method: 'convex', denseWeight: 0.05 })
    expect(chooseFusion({ ...noisy, queries: 0 })).toBeUndefined()
  })
})

/** A dense side that knows nothing: every text gets a random unit vector seeded by its hash. */
function noiseEmbedder(dims: number): ExternalEmbedder {
  const one = (text: string) => {
    let h = 0
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
    const rng = new Rng(h)
    const v = Float32Array.from({ length: dims }, () => rng.gaussian())
    const norm = Math.hypot(...v)
    return v.map((x) => x / norm)
  }
  return {
    kind: 'transformers',
    model: 'noise',
    dims,
    embed: async (texts) => {
      const out = new Float32Array(texts.length * dims)
      texts.forEach((t, i) => {
        out.set(one(t), i * dims)
      })
      return out
    },
  }
}

/**
 * A synthetic collection where a sentence cut out of a document shares its rare words with
 * the rest of it: 300 documents of 4 sentences, each sentence 2 of the document's 4 topic
 * words (drawn from 2000 made-up words) among 5 of 40 common ones.
 */
function topicCorpus(): { id: string; title: string; text: string }[] {
  const rng = new Rng(5)
  const word = () =>
    Array.from({ length: 7 }, (_, i) => (i % 2 ? 'aeiou'[rng.int(5)] : 'bdfgklmnprstvz'[rng.int(14)])).join(
      '',
    )
  const rare = Array.from({ length: 2000 }, word)
  const common = Array.from({ length: 40 }, word)
  return Array.from({ length: 300 }, (_, d) => {
    const topic = Array.from(rng.sample(rare.length, 4), (i) => rare[i]!)
    const sentences = Array.from({ length: 4 }, () => {
      const words = [
        ...Array.from(rng.sample(4, 2), (i) => topic[i]!),
        ...Array.from(rng.sample(40, 5), (i) => common[i]!),
      ]
      return `${words.sort(() => rng.next() - 0.5).join(' ')}.`
    })
    return { id: `d${d}`, title: '', text: sentences.join(' ') }
  })
}

describe('calibration at build time', () => {
  const docs = topicCorpus()
  let lsa: Awaited<ReturnType<typeof buildIndexSet>>
  beforeAll(async () => {
    lsa = await buildIndexSet(docs, {
      name: 'topics',
      embedder: { kind: 'lsa', fit: { dims: 64 } },
      calibrate: { queries: 150 },
      tune: false,
    })
  })

  it('stores the fitted fusion and what it was fitted on in the manifest', () => {
    const fusion = lsa.manifest.fusion!
    expect(['rrf', 'convex']).toContain(fusion.method)
    expect(fusion.denseWeight + fusion.lexicalWeight).toBeCloseTo(1, 9)
    expect(fusion.calibration).toMatchObject({
      generator: 'inverse-cloze-v1',
      queries: 150,
      seed: 1,
      depth: 100,
    })
    const { dense, lexical, fused } = fusion.calibration.ndcg
    // The grid holds both single sides, so the chosen setting is within one standard error of
    // the best, and the best is never below the better side.
    expect(fused).toBeGreaterThan(Math.max(dense, lexical) - 0.05)
    expect(Math.min(dense, lexical)).toBeGreaterThan(0)
  })

  it('gives a dense side that knows nothing (random vectors) little or no weight', async () => {
    const noise = await buildIndexSet(docs, {
      name: 'noise',
      embedder: noiseEmbedder(16),
      calibrate: { queries: 150 },
      tune: false,
    })
    const fusion = noise.manifest.fusion!
    expect(fusion.calibration.ndcg.dense).toBeLessThan(0.1)
    expect(fusion.calibration.ndcg.lexical).toBeGreaterThan(0.5)
    expect(fusion.denseWeight / (fusion.denseWeight + fusion.lexicalWeight)).toBeLessThanOrEqual(0.2)
    expect(fusion.calibration.ndcg.fused).toBeGreaterThan(fusion.calibration.ndcg.rrf)
  })

  it('writes no fusion when calibration is off, and refuses bad calibration options', async () => {
    const off = await buildIndexSet(docs.slice(0, 30), { calibrate: false, tune: false })
    expect(off.manifest.fusion).toBeUndefined()
    await expect(buildIndexSet(docs.slice(0, 30), { calibrate: { queries: 0 } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    await expect(buildIndexSet(docs.slice(0, 30), { calibrate: { depth: 5 } })).rejects.toBeInstanceOf(
      RetrievalError,
    )
  })
})
