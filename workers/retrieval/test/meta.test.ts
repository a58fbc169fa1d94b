import { describe, expect, it } from 'vitest'
import { expectError, get, post } from './helpers.ts'

describe('meta routes', () => {
  it('answers /healthz', async () => {
    const res = await get('/healthz')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok' })
  })

  it('serves an OpenAPI 3.1 document with every route', async () => {
    const res = await get('/openapi.json')
    expect(res.status).toBe(200)
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> }
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/healthz',
      '/v1/indexes',
      '/v1/indexes/{name}',
      '/v1/indexes/{name}/files/{file}',
      '/v1/indexes/{name}/search',
      '/v1/indexes/{name}/search:batch',
    ])
    expect(Object.keys(doc.paths['/v1/indexes/{name}']!).sort()).toEqual(['get', 'put'])
  })

  it('serves the API reference page and its self-hosted script', async () => {
    const page = await get('/docs')
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('/openapi.json')
    expect(html).toContain('src="/docs/scalar.js"')
    const script = await get('/docs/scalar.js')
    expect(script.status).toBe(200)
    expect((await script.text()).length).toBeGreaterThan(100_000)
  })

  it('points the reference page and the OpenAPI servers at the prefix a router mounts it under', async () => {
    const mounted = { 'x-forwarded-prefix': '/api/retrieval' }
    const html = await (await get('/docs', mounted)).text()
    expect(html).toContain('/api/retrieval/openapi.json')
    expect(html).toContain('src="/api/retrieval/docs/scalar.js"')
    const doc = (await (await get('/openapi.json', mounted)).json()) as { servers?: { url: string }[] }
    expect(doc.servers).toEqual([{ url: '/api/retrieval' }])
    // Not a plain path: ignored.
    const odd = (await (await get('/openapi.json', { 'x-forwarded-prefix': '/x"><script>' })).json()) as {
      servers?: unknown
    }
    expect(odd.servers).toBeUndefined()
    expect(await (await get('/docs', { 'x-forwarded-prefix': 'https://evil.example' })).text()).not.toContain(
      'evil',
    )
  })

  it('answers unknown routes with a JSON 404', async () => {
    await expectError(await get('/nope'), 404, 'NOT_FOUND')
  })

  it('answers an unknown index with 404 naming the index', async () => {
    await expectError(
      await post('/v1/indexes/missing/search', { query: 'x' }),
      404,
      'INDEX_NOT_FOUND',
      'name',
    )
    await expectError(await get('/v1/indexes/missing'), 404, 'INDEX_NOT_FOUND', 'name')
  })

  it('lists no indexes in an empty bucket', async () => {
    const res = await get('/v1/indexes')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ indexes: [] })
  })
})
