import { loadIndexSet } from '@frugal/retrieval'
import { beforeAll, describe, expect, it } from 'vitest'
import { expectError, fixtureFiles, get, post, sha256Hex, uploadTar } from './helpers.ts'

const files = fixtureFiles()

beforeAll(async () => {
  const res = await uploadTar('mirror', files)
  expect([200, 201], await res.clone().text()).toContain(res.status)
})

describe('GET /v1/indexes/{name}/files/{file}', () => {
  it('serves every artifact byte for byte, with its SHA-256 as ETag', async () => {
    for (const [name, bytes] of files) {
      const res = await get(`/v1/indexes/mirror/files/${name}`)
      expect(res.status, name).toBe(200)
      const body = new Uint8Array(await res.arrayBuffer())
      expect(body).toEqual(bytes)
      expect(res.headers.get('etag')).toBe(`"${await sha256Hex(bytes)}"`)
      expect(res.headers.get('x-index-version')).toMatch(/\S/)
    }
  })

  it('gives a client the same set: loaded from the downloads, it returns the API’s hits', async () => {
    const downloaded: Record<string, Uint8Array> = {}
    for (const name of files.keys()) {
      downloaded[name] = new Uint8Array(await (await get(`/v1/indexes/mirror/files/${name}`)).arrayBuffer())
    }
    const local = await loadIndexSet(downloaded)
    const query = { query: 'tariffs on imported steel', k: 5, mode: 'hybrid' as const }
    const api = (await (await post('/v1/indexes/mirror/search', query)).json()) as { hits: { id: string }[] }
    const mine = await local.search(query)
    expect(mine.hits.map((h) => h.id)).toEqual(api.hits.map((h) => h.id))
  })

  it('answers 304 when If-None-Match holds the current ETag', async () => {
    const first = await get('/v1/indexes/mirror/files/manifest.json')
    await first.arrayBuffer()
    const again = await get('/v1/indexes/mirror/files/manifest.json', {
      'if-none-match': first.headers.get('etag')!,
    })
    expect(again.status).toBe(304)
  })

  it('refuses a file the set does not have, an unknown set and a path-like name', async () => {
    await expectError(await get('/v1/indexes/mirror/files/secrets.txt'), 404, 'NOT_FOUND', 'file')
    await expectError(await get('/v1/indexes/nope/files/manifest.json'), 404, 'INDEX_NOT_FOUND')
    await expectError(await get('/v1/indexes/mirror/files/..%2Fheads'), 400, 'INVALID_REQUEST', 'file')
  })
})
