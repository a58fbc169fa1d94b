import { beforeAll, describe, expect, it } from 'vitest'
import { fixtureFiles, get, post, uploadTar } from './helpers.ts'

interface SearchBody {
  index: string
  hits: { id: string; score: number; title: string; snippet: string }[]
  cost: { dims: number; candidates: number; flops: number; lexicalCandidates: number }
  settings: {
    mode: string
    k: number
    scanDims?: number
    nprobe?: number
    budget?: number
    targetRecall?: number
  }
}

let dim = 0

beforeAll(async () => {
  const res = await uploadTar('default', fixtureFiles())
  expect([200, 201], await res.clone().text()).toContain(res.status)
  const info = (await (await get('/v1/indexes/default')).json()) as { dim: number }
  dim = info.dim
})

async function search(body: unknown): Promise<{ res: Response; body: SearchBody }> {
  const res = await post('/v1/indexes/default/search', body)
  const text = await res.text()
  expect(res.status, text).toBe(200)
  return { res, body: JSON.parse(text) as SearchBody }
}

describe('POST /v1/indexes/{name}/search', () => {
  it('finds the obviously relevant document first in every mode', async () => {
    for (const mode of ['hybrid', 'lexical', 'dense']) {
      const { body } = await search({ query: 'tariffs on imported steel', k: 5, mode })
      expect(body.hits[0]?.id, mode).toBe('d00-tariffs')
      expect(body.settings.mode).toBe(mode)
    }
  })

  it('returns hits with id, score, title and snippet, the cost and the settings used', async () => {
    const { res, body } = await search({ query: 'railroad to the pacific coast', k: 3 })
    expect(body.index).toBe('default')
    expect(body.hits).toHaveLength(3)
    const top = body.hits[0]!
    expect(top).toEqual({
      id: 'd01-railroads',
      score: expect.any(Number),
      title: 'The transcontinental railroad',
      snippet: expect.any(String),
    })
    expect(top.snippet.length).toBeGreaterThan(0)
    for (let i = 1; i < body.hits.length; i++)
      expect(body.hits[i - 1]!.score).toBeGreaterThanOrEqual(body.hits[i]!.score)
    expect(body.settings).toMatchObject({ mode: 'hybrid', k: 3 })
    expect(body.cost.dims).toBeGreaterThan(0)
    expect(body.cost.candidates).toBeGreaterThan(0)
    expect(body.cost.flops).toBeGreaterThan(0)
    expect(body.cost.lexicalCandidates).toBeGreaterThan(0)
    const timing = res.headers.get('server-timing') ?? ''
    // workerd advances its clock only across I/O, so the durations may be 0; the entries are there.
    expect(timing).toMatch(/(^|,\s*)load;dur=[\d.]+/)
    expect(timing).toMatch(/(^|,\s*)embed;dur=[\d.]+/)
    expect(timing).toMatch(/(^|,\s*)search;dur=[\d.]+/)
    expect(timing).toMatch(/(^|,\s*)total;dur=[\d.]+/)
  })

  it('searches with a vector in dense mode', async () => {
    const vector = Array.from({ length: dim }, (_, i) => (i === 0 ? 1 : 0))
    const { body } = await search({ vector, k: 4 })
    expect(body.settings.mode).toBe('dense')
    expect(body.hits).toHaveLength(4)
    expect(body.cost.lexicalCandidates).toBe(0)
  })

  it('runs with the dims and nprobe asked for, and fewer dims cost fewer FLOPs', async () => {
    const query = 'battleships for the navy'
    const small = await search({ query, k: 3, mode: 'dense', dims: 8, nprobe: 2 })
    expect(small.body.settings).toMatchObject({ scanDims: 8, nprobe: 2 })
    expect(small.body.hits[0]?.id).toBe('d02-navy')
    const full = await search({ query, k: 3, mode: 'dense', dims: 16, nprobe: 2 })
    expect(full.body.settings).toMatchObject({ scanDims: 16, nprobe: 2 })
    expect(small.body.cost.candidates).toBe(full.body.cost.candidates)
    expect(small.body.cost.flops).toBeLessThan(full.body.cost.flops)
    const wide = await search({ query, k: 3, mode: 'dense', dims: 16, nprobe: 4 })
    expect(wide.body.cost.candidates).toBeGreaterThan(full.body.cost.candidates)
  })

  it('resolves a FLOPs budget and a recall target on the tuned frontier', async () => {
    const info = (await (await get('/v1/indexes/default')).json()) as {
      frontier: { flops: number; recall: number }[]
    }
    expect(info.frontier.length).toBeGreaterThan(0)
    const cheapest = Math.min(...info.frontier.map((p) => p.flops))
    const budgeted = await search({
      query: 'gold standard and silver coinage',
      k: 3,
      mode: 'dense',
      budget: cheapest,
    })
    expect(budgeted.body.settings.budget).toBe(cheapest)
    expect(budgeted.body.settings.scanDims).toBeGreaterThan(0)
    const targeted = await search({
      query: 'gold standard and silver coinage',
      k: 3,
      mode: 'dense',
      targetRecall: 0.5,
    })
    expect(targeted.body.settings.targetRecall).toBe(0.5)
    expect(targeted.body.settings.scanDims).toBeGreaterThan(0)
  })
})

describe('POST /v1/indexes/{name}/search:batch', () => {
  it('answers every query in order, as single searches do', async () => {
    const queries = [
      { query: 'public schools and teachers', k: 2 },
      { query: 'astronauts on the moon', k: 2, mode: 'lexical' },
      { query: 'health insurance for the elderly', k: 2, mode: 'dense' },
    ]
    const res = await post('/v1/indexes/default/search:batch', { queries })
    const text = await res.text()
    expect(res.status, text).toBe(200)
    const body = JSON.parse(text) as { index: string; results: SearchBody[] }
    expect(body.results.map((r) => r.hits[0]?.id)).toEqual(['d04-education', 'd07-space', 'd05-health'])
    for (const [i, q] of queries.entries()) {
      const single = await search(q)
      expect(body.results[i]!.hits.map((h) => h.id)).toEqual(single.body.hits.map((h) => h.id))
    }
  })

  it('routes the literal colon: a similar path without it is not the batch route', async () => {
    const res = await post('/v1/indexes/default/searchXbatch', { queries: [{ query: 'x' }] })
    expect(res.status).toBe(404)
    const encoded = await post('/v1/indexes/default/search%3Abatch', { queries: [{ query: 'navy', k: 1 }] })
    expect(encoded.status).toBe(200)
  })
})

describe('GET /v1/indexes', () => {
  it('lists the stored sets with their files', async () => {
    const res = await get('/v1/indexes')
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      indexes: { name: string; files: { name: string; bytes: number }[]; bytes: number }[]
    }
    const entry = body.indexes.find((i) => i.name === 'default')
    expect(entry?.files.map((f) => f.name)).toContain('manifest.json')
    expect(entry?.bytes).toBe(entry?.files.reduce((s, f) => s + f.bytes, 0))
  })

  it('describes one set: stats, dims, kind, modes and frontier', async () => {
    const res = await get('/v1/indexes/default')
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toMatchObject({ name: 'default', documents: 32, dim: 16, loaded: true })
    expect(body.modes).toEqual(expect.arrayContaining(['dense', 'lexical', 'hybrid']))
    expect(typeof body.kind).toBe('string')
    expect(body.memoryBytes).toBeGreaterThan(0)
  })
})
