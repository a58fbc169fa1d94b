import { createTar } from 'nanotar'
import { describe, expect, it } from 'vitest'
import { MemoryCache } from './artifact-store.ts'
import { ApiError } from './errors.ts'
import { byteLimit } from './limits.ts'
import { readUpload } from './upload.ts'

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(ApiError)
  return err as ApiError
}

describe('readUpload', () => {
  const files = [
    { name: './config.json', data: new TextEncoder().encode('{}') },
    { name: 'model.safetensors', data: new Uint8Array([1, 2, 3]) },
  ]
  it('reads a tar archive and a multipart form into the same files', async () => {
    const tar = new Request('http://x', {
      method: 'PUT',
      headers: { 'content-type': 'application/x-tar' },
      body: new Uint8Array(createTar(files)),
    })
    const fromTar = await readUpload(tar, { what: 'model set' })
    expect([...fromTar.keys()]).toEqual(['config.json', 'model.safetensors'])
    const form = new FormData()
    for (const f of files) form.append(f.name.replace('./', ''), new File([f.data], f.name.replace('./', '')))
    const fromForm = await readUpload(new Request('http://x', { method: 'PUT', body: form }), {
      what: 'model set',
    })
    expect([...fromForm.entries()]).toEqual([...fromTar.entries()])
  })

  it('refuses other content types (415), folders and empty uploads (422), naming the field', async () => {
    const json = new Request('http://x', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
    const e415 = await refusal(readUpload(json, { what: 'model set' }))
    expect([e415.status, e415.code, e415.field]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE', 'content-type'])
    expect(e415.message).toContain('model set')
    const nested = new Request('http://x', {
      method: 'PUT',
      headers: { 'content-type': 'application/x-tar' },
      body: new Uint8Array(createTar([{ name: 'sub/x.json', data: new Uint8Array(1) }])),
    })
    const e422 = await refusal(readUpload(nested, { what: 'model set' }))
    expect([e422.status, e422.code, e422.field]).toEqual([422, 'ARTIFACT_REJECTED', 'files'])
  })
})

describe('MemoryCache', () => {
  const budget = 100
  const head = (version: string, memoryBytes: number) => async () => ({ version, memoryBytes })

  it('loads once, shares concurrent loads, and evicts the least recently used within the budget', async () => {
    const cache = new MemoryCache<string>()
    let loads = 0
    const load = async (v: string) => {
      loads++
      return `value-${v}`
    }
    const [a, b] = await Promise.all([
      cache.get('a', head('1', 60), load, budget),
      cache.get('a', head('1', 60), load, budget),
    ])
    expect(loads).toBe(1)
    expect(a.value).toBe('value-1')
    expect(a.loaded && b.loaded).toBe(true)
    expect((await cache.get('a', head('1', 60), load, budget)).loaded).toBe(false)
    await cache.get('b', head('1', 60), load, budget)
    expect(cache.isLoaded('a')).toBe(false)
    expect(cache.isLoaded('b')).toBe(true)
    expect(cache.memoryInUse()).toBe(60)
  })

  it('refuses a claim that does not fit next to claims in flight with 503 OVERLOADED', () => {
    const cache = new MemoryCache<string>()
    const release = cache.reserve(80, budget)
    let err: unknown
    try {
      cache.reserve(30, budget)
    } catch (e) {
      err = e
    }
    expect((err as ApiError).code).toBe('OVERLOADED')
    expect((err as ApiError).headers['retry-after']).toBe('1')
    release()
    cache.reserve(30, budget)()
  })
})

describe('byteLimit', () => {
  it('reads positive integers and falls back otherwise', () => {
    expect(byteLimit('2048', 1)).toBe(2048)
    for (const v of [undefined, '', ' ', 'abc', '-5', '0', '1.5']) expect(byteLimit(v, 7)).toBe(7)
  })
})
