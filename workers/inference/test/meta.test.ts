import { beforeAll, describe, expect, it } from 'vitest'
import { expectError, get, send, uploadFixtures } from './helpers.ts'

interface Model {
  name: string
  bytes: number
  meta: {
    arch: string
    task: string
    trained: boolean
    parameters: number
    reductions: string[]
    kvPrediction: boolean
    embeddingDims?: number[]
    labels?: string[]
    description: string
  }
}

beforeAll(() => uploadFixtures('openelm', 'vlm', 'bert-classifier', 'bert-embedder'))

describe('meta routes', () => {
  it('GET /healthz answers ok with the version', async () => {
    const res = await get('/healthz')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok', version: expect.any(String) })
  })

  it('GET /v1/models lists every model with architecture, task, parameters, bytes and reductions, labelled untrained', async () => {
    const res = await get('/v1/models')
    expect(res.status).toBe(200)
    const { models } = (await res.json()) as { models: Model[] }
    const by = Object.fromEntries(models.map((m) => [m.name, m]))
    expect(Object.keys(by).sort()).toEqual(['bert-classifier', 'bert-embedder', 'openelm', 'vlm'])
    for (const m of models) {
      expect(m.meta.trained).toBe(false)
      expect(m.meta.description).toMatch(/random-initialised/i)
      expect(m.meta.parameters).toBeGreaterThan(0)
      expect(m.bytes).toBeGreaterThan(0)
    }
    expect(by['openelm']!.meta).toMatchObject({ arch: 'openelm', task: 'generate', kvPrediction: true })
    expect(by['vlm']!.meta).toMatchObject({
      arch: 'frugal_vlm',
      task: 'vqa',
      reductions: ['none', 'tome', 'pumer', 'victor'],
    })
    expect(by['bert-classifier']!.meta).toMatchObject({
      task: 'classify',
      labels: ['LABEL_0', 'LABEL_1', 'LABEL_2'],
    })
    expect(by['bert-embedder']!.meta).toMatchObject({ task: 'embed', embeddingDims: [4, 8, 16] })
  })

  it('GET /v1/models/{name} shows one model; unknown names are 404, malformed ones 400', async () => {
    const res = await get('/v1/models/vlm')
    expect(res.status).toBe(200)
    const body = (await res.json()) as Model & { loaded: boolean; files: { name: string }[] }
    expect(body.meta.arch).toBe('frugal_vlm')
    expect(body.files.map((f) => f.name)).toContain('manifest.json')
    expect(typeof body.loaded).toBe('boolean')
    await expectError(await get('/v1/models/nope'), 404, 'MODEL_NOT_FOUND', 'name')
    await expectError(await get('/v1/models/Bad%20Name'), 400, 'INVALID_REQUEST', 'name')
  })

  it('serves the OpenAPI document with every route, and the reference page', async () => {
    const res = await get('/openapi.json')
    const doc = (await res.json()) as { openapi: string; paths: Record<string, object> }
    expect(doc.openapi).toBe('3.1.0')
    for (const p of [
      '/healthz',
      '/v1/models',
      '/v1/models/{name}',
      '/v1/models/{name}/generate',
      '/v1/models/{name}/vqa',
      '/v1/models/{name}/classify',
      '/v1/models/{name}/embed',
    ])
      expect(doc.paths).toHaveProperty([p])
    const behind = (await (
      await get('/openapi.json', { 'x-forwarded-prefix': '/api/inference' })
    ).json()) as {
      servers?: { url: string }[]
    }
    expect(behind.servers).toEqual([{ url: '/api/inference' }])
    const docs = await get('/docs')
    expect(docs.status).toBe(200)
    expect(await docs.text()).toContain('/docs/scalar.js')
  })

  it('answers unknown routes and methods with the JSON error', async () => {
    await expectError(await get('/v2/nothing'), 404, 'NOT_FOUND')
    await expectError(await send('/v1/models/openelm', { method: 'DELETE' }), 404, 'NOT_FOUND')
  })

  it('times requests with Server-Timing (load, cold on the first use, total)', async () => {
    const res = await get('/v1/models')
    expect(res.headers.get('server-timing')).toMatch(/total/)
  })
})
