import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../src/errors.ts'
import { IndexStore } from '../src/store.ts'
import { fixtureFiles } from './helpers.ts'

const limits = { maxIndexBytes: 8 * 1024 * 1024, cacheBudgetBytes: 16 * 1024 * 1024 }

describe('IndexStore', () => {
  it('refuses to load a set larger than MAX_INDEX_BYTES with 507, without reading its files', async () => {
    const store = new IndexStore()
    await store.put(env.INDEXES, 'big', fixtureFiles(), limits)
    const fresh = new IndexStore()
    const err = await fresh
      .get(env.INDEXES, 'big', { maxIndexBytes: 100, cacheBudgetBytes: 100 })
      .catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(507)
    expect((err as ApiError).code).toBe('INDEX_TOO_LARGE')
    expect(fresh.isLoaded('big')).toBe(false)
  })

  it('loads lazily on first use and then serves from memory', async () => {
    await new IndexStore().put(env.INDEXES, 'lazy', fixtureFiles(), limits)
    const store = new IndexStore()
    expect(store.isLoaded('lazy')).toBe(false)
    const first = await store.get(env.INDEXES, 'lazy', limits)
    expect(first.loaded).toBe(true)
    const second = await store.get(env.INDEXES, 'lazy', limits)
    expect(second.loaded).toBe(false)
    expect(second.index).toBe(first.index)
  })

  it('drops the least recently used set when the cache budget is exceeded', async () => {
    const writer = new IndexStore()
    await writer.put(env.INDEXES, 'a', fixtureFiles(), limits)
    await writer.put(env.INDEXES, 'b', fixtureFiles(), limits)
    const store = new IndexStore()
    const a = await store.get(env.INDEXES, 'a', limits)
    const tight = { maxIndexBytes: limits.maxIndexBytes, cacheBudgetBytes: a.head.bytes + 1 }
    await store.get(env.INDEXES, 'b', tight)
    expect(store.isLoaded('b')).toBe(true)
    expect(store.isLoaded('a')).toBe(false)
  })

  it('shares one load between concurrent first requests', async () => {
    await new IndexStore().put(env.INDEXES, 'shared', fixtureFiles(), limits)
    const store = new IndexStore()
    const [x, y] = await Promise.all([
      store.get(env.INDEXES, 'shared', limits),
      store.get(env.INDEXES, 'shared', limits),
    ])
    expect(x.index).toBe(y.index)
  })
})
