import { env } from 'cloudflare:test'
import type { R2Bucket } from '@cloudflare/workers-types'
import { describe, expect, it } from 'vitest'
import { createApp } from '../src/app.ts'
import { ApiError } from '../src/errors.ts'
import { estimateMemory, IndexStore } from '../src/store.ts'
import { expectError, fixtureFiles, post, TOKEN, tarOf } from './helpers.ts'

const limits = { maxIndexBytes: 8 * 1024 * 1024, cacheBudgetBytes: 64 * 1024 * 1024 }

async function stored(...names: string[]): Promise<number> {
  const writer = new IndexStore()
  let bytes = 0
  for (const name of names) bytes = (await writer.put(env.INDEXES, name, fixtureFiles(), limits)).head.bytes
  return bytes
}

/** The real bucket, except that `method` fails as R2 does when it is unavailable. */
function failing(method: 'get' | 'list'): R2Bucket {
  return new Proxy(env.INDEXES, {
    get(target, key) {
      if (key === method)
        return () => Promise.reject(new Error('We encountered an internal error. Please try again.'))
      const value = Reflect.get(target, key)
      return typeof value === 'function' ? value.bind(target) : value
    },
  }) as R2Bucket
}

describe('memory budget', () => {
  it('counts loads in flight: two concurrent cold loads that together exceed the budget do not both run', async () => {
    const bytes = await stored('cold-a', 'cold-b')
    const budget = Math.floor(estimateMemory(bytes) * 1.5)
    const store = new IndexStore()
    const tight = { maxIndexBytes: limits.maxIndexBytes, cacheBudgetBytes: budget }
    const results = await Promise.allSettled([
      store.get(env.INDEXES, 'cold-a', tight),
      store.get(env.INDEXES, 'cold-b', tight),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const refused = results.find((r) => r.status === 'rejected')?.reason
    expect(refused).toBeInstanceOf(ApiError)
    expect(refused).toMatchObject({ status: 503, code: 'OVERLOADED', headers: { 'retry-after': '1' } })
    expect(store.memoryInUse()).toBeLessThanOrEqual(budget)
    // Once the first load is done, the other one loads (evicting the first).
    await store.get(env.INDEXES, results[0]!.status === 'fulfilled' ? 'cold-b' : 'cold-a', tight)
    expect(store.memoryInUse()).toBeLessThanOrEqual(budget)
  })

  it('counts an upload body in flight against the budget of cold loads', async () => {
    const bytes = await stored('cold-c')
    const store = new IndexStore()
    const budget = Math.floor(estimateMemory(bytes) * 1.5)
    const release = store.reserve(bytes + estimateMemory(bytes), budget)
    const err = await store
      .get(env.INDEXES, 'cold-c', { maxIndexBytes: limits.maxIndexBytes, cacheBudgetBytes: budget })
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 503, code: 'OVERLOADED' })
    release()
    expect((await store.get(env.INDEXES, 'cold-c', { ...limits, cacheBudgetBytes: budget })).loaded).toBe(
      true,
    )
  })
})

describe('storage faults', () => {
  it('answers 503 INDEX_UNAVAILABLE for a malformed head record (not 500) and leaves it out of the list', async () => {
    for (const [name, body] of [
      ['head-broken', '{"name":"head-broken"}'],
      ['head-notjson', '{"name":'],
      ['head-files', '{"name":"head-files","version":"v1","uploadedAt":"x","bytes":1,"files":"all"}'],
    ]) {
      await env.INDEXES.put(`heads/${name}.json`, body!)
      await expectError(await post(`/v1/indexes/${name}/search`, { query: 'navy' }), 503, 'INDEX_UNAVAILABLE')
    }
    const list = await new IndexStore().list(env.INDEXES)
    expect(list.map((h) => h.name)).not.toContain('head-broken')
  })

  it('answers 503 STORAGE_UNAVAILABLE with Retry-After when R2 fails (not 500)', async () => {
    await stored('r2-down')
    for (const [method, call] of [
      ['get', (s: IndexStore, b: R2Bucket) => s.get(b, 'r2-down', limits)],
      ['get', (s: IndexStore, b: R2Bucket) => s.head(b, 'r2-down')],
      ['list', (s: IndexStore, b: R2Bucket) => s.list(b)],
    ] as const) {
      const err = await call(new IndexStore(), failing(method)).catch((e: unknown) => e)
      expect(err, method).toBeInstanceOf(ApiError)
      expect(err, method).toMatchObject({
        status: 503,
        code: 'STORAGE_UNAVAILABLE',
        headers: { 'retry-after': '1' },
      })
    }
  })
})

describe('concurrent uploads to one name', () => {
  it('stores one of two concurrent PUTs whole and leaves no files of the other behind', async () => {
    const name = 'race'
    const app = createApp()
    const upload = () =>
      app.request(
        `/v1/indexes/${name}`,
        {
          method: 'PUT',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-tar' },
          body: tarOf(fixtureFiles()),
        },
        env,
      )
    const statuses = (await Promise.all([upload(), upload()])).map((r) => r.status).sort()
    // Either one wins and the other is refused (409), or they ran one after the other (201, 200).
    expect([
      [201, 409],
      [200, 201],
    ]).toContainEqual(statuses)
    const head = (await (await env.INDEXES.get(`heads/${name}.json`))!.json()) as { version: string }
    let versions: Set<string> = new Set()
    for (let attempt = 0; attempt < 50; attempt++) {
      const listed = await env.INDEXES.list({ prefix: `sets/${name}/` })
      versions = new Set(listed.objects.map((o: { key: string }) => o.key.split('/')[2]!))
      if (versions.size === 1) break
      await new Promise((r) => setTimeout(r, 20))
    }
    expect([...versions]).toEqual([head.version])
  })
})

describe('load shedding', () => {
  it('refuses requests past MAX_CONCURRENT_REQUESTS at once with 503 OVERLOADED and Retry-After', async () => {
    await stored('busy')
    const app = createApp()
    const bindings = { ...env, MAX_CONCURRENT_REQUESTS: '2' }
    const search = () =>
      app.request(
        '/v1/indexes/busy/search',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"navy","k":3}' },
        bindings,
      )
    // A cold set: the first requests wait for its load from R2, so all eight are in flight at once.
    const responses = await Promise.all(Array.from({ length: 8 }, search))
    const shed = responses.filter((r) => r.status === 503)
    expect(responses.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2)
    expect(shed.length).toBeGreaterThan(0)
    for (const r of shed) {
      expect(r.headers.get('retry-after')).toBe('1')
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('OVERLOADED')
    }
    // With the burst over, requests are served again.
    expect((await search()).status).toBe(200)
  })
})
