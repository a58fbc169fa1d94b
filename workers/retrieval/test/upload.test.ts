import { encodeManifest } from '@frugal/retrieval'
import { describe, expect, it } from 'vitest'
import { expectError, fixtureFiles, get, post, put, sha256Hex, TOKEN, tarOf, uploadTar } from './helpers.ts'

interface Head {
  name: string
  version: string
  files: { name: string; bytes: number; sha256: string }[]
}

async function topHits(query: string): Promise<string[]> {
  const res = await post('/v1/indexes/up/search', { query, k: 3 })
  expect(res.status).toBe(200)
  return ((await res.json()) as { hits: { id: string }[] }).hits.map((h) => h.id)
}

async function version(): Promise<string> {
  const res = await get('/v1/indexes')
  const { indexes } = (await res.json()) as { indexes: Head[] }
  return indexes.find((i) => i.name === 'up')!.version
}

/** A copy of the fixture with `file` changed by `edit`; `reseal` fixes the manifest's size and checksum. */
async function tampered(
  file: string,
  edit: (b: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer>,
  reseal: boolean,
) {
  const files = fixtureFiles()
  const data = edit(new Uint8Array(files.get(file)!))
  files.set(file, data)
  if (reseal) {
    const manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json')!))
    manifest.files[file] = { bytes: data.byteLength, sha256: await sha256Hex(data) }
    files.set('manifest.json', (await encodeManifest(manifest)) as Uint8Array<ArrayBuffer>)
  }
  return files
}

describe('PUT /v1/indexes/{name}', () => {
  it('needs a bearer token: 401 without, 403 with a wrong one', async () => {
    const body = tarOf(fixtureFiles())
    const none = await put('/v1/indexes/up', body, { 'content-type': 'application/x-tar' })
    await expectError(none, 401, 'UNAUTHORIZED', 'authorization')
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
    await expectError(await uploadTar('up', fixtureFiles(), 'wrong-token'), 403, 'FORBIDDEN', 'authorization')
    const basic = await put('/v1/indexes/up', body, {
      authorization: `Basic ${btoa(`x:${TOKEN}`)}`,
      'content-type': 'application/x-tar',
    })
    await expectError(basic, 401, 'UNAUTHORIZED')
    await expectError(await get('/v1/indexes/never-uploaded'), 404, 'INDEX_NOT_FOUND')
  })

  it('stores a tar upload (201), then replaces it (200) under a new version', async () => {
    const first = await uploadTar('fresh', fixtureFiles())
    expect(first.status).toBe(201)
    const head = (await first.json()) as Head
    expect(head.name).toBe('fresh')
    expect(head.files.map((f) => f.name)).toContain('manifest.json')
    const second = await uploadTar('fresh', fixtureFiles())
    expect(second.status).toBe(200)
    expect(((await second.json()) as Head).version).not.toBe(head.version)
    const res = await post('/v1/indexes/fresh/search', { query: 'tariffs on imported steel', k: 1 })
    expect(((await res.json()) as { hits: { id: string }[] }).hits[0]?.id).toBe('d00-tariffs')
  })

  it('accepts multipart form data with one file part per artifact', async () => {
    const form = new FormData()
    for (const [name, data] of fixtureFiles()) form.append(name, new File([data], name))
    const res = await put('/v1/indexes/multi', form, { authorization: `Bearer ${TOKEN}` })
    expect(res.status, await res.clone().text()).toBe(201)
    const search = await post('/v1/indexes/multi/search', { query: 'battleships navy', k: 1 })
    expect(((await search.json()) as { hits: { id: string }[] }).hits[0]?.id).toBe('d02-navy')
  })

  it('rejects corrupted artifacts with 422 and keeps serving the previous set', async () => {
    expect([200, 201]).toContain((await uploadTar('up', fixtureFiles())).status)
    const before = await version()
    const hits = await topHits('civil war and slavery')
    const manifest = JSON.parse(new TextDecoder().decode(fixtureFiles().get('manifest.json')!))
    const dense: string = manifest.dense.file
    const flip = (b: Uint8Array<ArrayBuffer>) => {
      b[Math.floor(b.length / 2)]! ^= 0xff
      return b
    }
    const badMagic = (b: Uint8Array<ArrayBuffer>) => {
      b[0] = 0x00
      b[1] = 0x00
      return b
    }
    const cases: [string, Map<string, Uint8Array>, string][] = [
      ['flipped byte (checksum)', await tampered(dense, flip, false), dense],
      ['truncated (size)', await tampered(dense, (b) => b.slice(0, b.length - 7), false), dense],
      ['wrong magic, manifest re-sealed', await tampered(dense, badMagic, true), dense],
      ['corrupted payload, manifest re-sealed', await tampered(dense, flip, true), dense],
      ['corrupted embedder', await tampered(manifest.embedder.file, flip, false), manifest.embedder.file],
    ]
    for (const [label, files, file] of cases) {
      const e = await expectError(await uploadTar('up', files), 422, 'ARTIFACT_REJECTED')
      expect(e.field, label).toBe(file)
    }
    const missing = fixtureFiles()
    missing.delete(dense)
    await expectError(await uploadTar('up', missing), 422, 'ARTIFACT_REJECTED')
    const noManifest = fixtureFiles()
    noManifest.delete('manifest.json')
    await expectError(await uploadTar('up', noManifest), 422, 'ARTIFACT_REJECTED')
    const extra = fixtureFiles()
    extra.set('notes.txt', new TextEncoder().encode('hello'))
    await expectError(await uploadTar('up', extra), 422, 'ARTIFACT_REJECTED', 'notes.txt')

    expect(await version()).toBe(before)
    expect(await topHits('civil war and slavery')).toEqual(hits)
  })

  it('refuses bodies that are not an artifact set', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` }
    await expectError(
      await put('/v1/indexes/up', 'hello', { ...auth, 'content-type': 'application/x-tar' }),
      422,
      'ARTIFACT_REJECTED',
    )
    await expectError(
      await put('/v1/indexes/up', '{}', { ...auth, 'content-type': 'application/json' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    )
    const evil = new Map([['sub/escape.json', new Uint8Array([1])]])
    await expectError(await uploadTar('up', evil), 422, 'ARTIFACT_REJECTED', 'files')
  })

  it('refuses an upload over MAX_INDEX_BYTES with 413 before reading it', async () => {
    const big = new Uint8Array(9 * 1024 * 1024)
    const res = await put('/v1/indexes/up', big, {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/x-tar',
    })
    await expectError(res, 413, 'PAYLOAD_TOO_LARGE')
  })

  it('refuses an invalid index name', async () => {
    await expectError(await uploadTar('UPPER', fixtureFiles()), 400, 'INVALID_REQUEST', 'name')
  })
})
