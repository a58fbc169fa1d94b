import { encodeManifest } from '@frugal/retrieval'
import { beforeAll, describe, expect, it } from 'vitest'
import { expectError, fixtureFiles, get, post, uploadTar } from './helpers.ts'

const SEARCH = '/v1/indexes/default/search'
const BATCH = '/v1/indexes/default/search:batch'

interface Fusion {
  method: string
  k: number
  denseWeight: number
  lexicalWeight: number
  depth?: number
  calibration?: unknown
}

interface Body {
  hits: { id: string; score: number }[]
  settings: { mode: string; fusion?: Fusion }
}

let calibrated: Fusion

beforeAll(async () => {
  expect([200, 201]).toContain((await uploadTar('default', fixtureFiles())).status)
  // The same set as written before calibration existed: its manifest without `fusion` (resealed).
  const legacy = fixtureFiles()
  const manifest = JSON.parse(new TextDecoder().decode(legacy.get('manifest.json')))
  calibrated = manifest.fusion
  delete manifest.fusion
  legacy.set('manifest.json', (await encodeManifest(manifest)) as Uint8Array<ArrayBuffer>)
  const res = await uploadTar('legacy', legacy)
  expect([200, 201], await res.clone().text()).toContain(res.status)
})

async function search(body: unknown, path = SEARCH): Promise<Body> {
  const res = await post(path, body)
  const text = await res.text()
  expect(res.status, text).toBe(200)
  return JSON.parse(text) as Body
}

describe('hybrid fusion', () => {
  it('runs with the fusion calibrated into the manifest, shown by GET and in the settings', async () => {
    expect(calibrated.calibration).toMatchObject({ generator: 'inverse-cloze-v1' })
    const info = (await (await get('/v1/indexes/default')).json()) as { manifest: { fusion: Fusion } }
    expect(info.manifest.fusion).toEqual(calibrated)
    const body = await search({ query: 'tariffs on imported steel', k: 5 })
    const { calibration: _, ...fusion } = calibrated
    expect(body.settings).toMatchObject({ mode: 'hybrid', fusion: { ...fusion, depth: 100 } })
    expect(body.hits[0]?.id).toBe('d00-tariffs')
  })

  it('takes a per-query override: a zero dense weight ranks like BM25 alone', async () => {
    const query = 'navy ships and trade tariffs'
    const lexical = await search({ query, k: 8, mode: 'lexical' })
    const fused = await search({
      query,
      k: 8,
      fusion: { method: 'convex', denseWeight: 0, lexicalWeight: 1 },
    })
    expect(fused.hits.map((h) => h.id)).toEqual(lexical.hits.map((h) => h.id))
    expect(fused.settings.fusion).toEqual({
      method: 'convex',
      k: 60,
      denseWeight: 0,
      lexicalWeight: 1,
      depth: 100,
    })
    const rrf = await search({ query, k: 3, fusion: { method: 'rrf', k: 10, depth: 20 } })
    expect(rrf.settings.fusion).toEqual({ method: 'rrf', k: 10, denseWeight: 1, lexicalWeight: 1, depth: 20 })
    const batch = (await (
      await post(BATCH, {
        queries: [
          { query, k: 2 },
          { query, k: 2, fusion: { method: 'rrf' } },
        ],
      })
    ).json()) as { results: Body[] }
    expect(batch.results[0]?.settings.fusion?.method).toBe(calibrated.method)
    expect(batch.results[1]?.settings.fusion).toMatchObject({
      method: 'rrf',
      denseWeight: 1,
      lexicalWeight: 1,
    })
  })

  it('fuses a set without a calibrated fusion by equal-weight RRF, as before', async () => {
    const body = await search({ query: 'tariffs on imported steel', k: 5 }, '/v1/indexes/legacy/search')
    expect(body.settings.fusion).toEqual({
      method: 'rrf',
      k: 60,
      denseWeight: 1,
      lexicalWeight: 1,
      depth: 100,
    })
    const explicit = await search({
      query: 'tariffs on imported steel',
      k: 5,
      fusion: { method: 'rrf', k: 60, denseWeight: 1, lexicalWeight: 1 },
    })
    expect(body.hits).toEqual(explicit.hits)
  })

  it.each([
    ['an unknown method', { method: 'linear' }, 'fusion.method'],
    ['a negative weight', { denseWeight: -0.5 }, 'fusion.denseWeight'],
    ['a weight as a string', { lexicalWeight: '1' }, 'fusion.lexicalWeight'],
    ['both weights 0', { denseWeight: 0, lexicalWeight: 0 }, 'fusion.lexicalWeight'],
    ['an RRF k for convex fusion', { method: 'convex', k: 10 }, 'fusion.k'],
    ['a depth of 0', { depth: 0 }, 'fusion.depth'],
    ['an unknown field', { alpha: 0.5 }, 'fusion.alpha'],
    ['not an object', 'convex', 'fusion'],
  ])('refuses %s, naming the field', async (_, fusion, field) => {
    await expectError(await post(SEARCH, { query: 'navy', fusion }), 400, 'INVALID_REQUEST', field)
  })

  it('refuses a fusion outside hybrid search, and names the query of a batch', async () => {
    const fusion = { denseWeight: 1 }
    await expectError(
      await post(SEARCH, { query: 'navy', mode: 'lexical', fusion }),
      400,
      'INVALID_REQUEST',
      'fusion',
    )
    await expectError(await post(SEARCH, { vector: [1, 0], fusion }), 400, 'INVALID_REQUEST', 'fusion')
    await expectError(
      await post(BATCH, { queries: [{ query: 'navy' }, { query: 'navy', fusion: { denseWeight: -1 } }] }),
      400,
      'INVALID_REQUEST',
      'queries.1.fusion.denseWeight',
    )
  })

  it('documents the fusion override in the OpenAPI document', async () => {
    const doc = (await (await get('/openapi.json')).json()) as {
      components: { schemas: Record<string, { properties: Record<string, { description?: string }> }> }
    }
    const fusion = doc.components.schemas['Fusion']!
    expect(Object.keys(fusion.properties).sort()).toEqual([
      'denseWeight',
      'depth',
      'k',
      'lexicalWeight',
      'method',
    ])
    expect(fusion.properties['method']?.description).toMatch(/calibrated/)
    expect(JSON.stringify(doc.components.schemas['SearchRequest'])).toContain('#/components/schemas/Fusion')
  })
})
