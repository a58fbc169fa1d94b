import { describe, expect, it } from 'vitest'
import { errorOf, fetchJson, PlaygroundApiError, parseServerTiming } from './api.ts'

describe('errorOf', () => {
  it('reads the API error shape, field included', async () => {
    const res = new Response(
      JSON.stringify({
        error: { code: 'INVALID_REQUEST', message: 'query: must not be empty', field: 'query' },
      }),
      { status: 400, headers: { 'content-type': 'application/json' } },
    )
    const err = await errorOf(res)
    expect(err).toBeInstanceOf(PlaygroundApiError)
    expect([err.status, err.code, err.message, err.field]).toEqual([
      400,
      'INVALID_REQUEST',
      'query: must not be empty',
      'query',
    ])
  })

  it('turns an HTML error page into its status line and text, never an empty message', async () => {
    const res = new Response('<html><body><h1>Service unreachable</h1></body></html>', {
      status: 502,
      statusText: 'Bad Gateway',
    })
    const err = await errorOf(res)
    expect(err.message).toBe('502 Bad Gateway: Service unreachable')
    expect((await errorOf(new Response('', { status: 500 }))).message).toBe('500')
  })
})

describe('fetchJson', () => {
  it('returns the body with the Server-Timing entries', async () => {
    const fetcher = async () =>
      new Response('{"ok":true}', { headers: { 'server-timing': 'search;dur=1.5;desc="x", total;dur=4' } })
    const got = await fetchJson<{ ok: boolean }>('/x', {}, '', fetcher as typeof fetch)
    expect(got.data).toEqual({ ok: true })
    expect(got.serverTiming).toEqual({ search: 1.5, total: 4 })
    expect(got.ms).toBeGreaterThanOrEqual(0)
  })

  it('names a request that never reached the API', async () => {
    const fetcher = async () => {
      throw new TypeError('fetch failed')
    }
    await expect(fetchJson('/x', {}, '', fetcher as typeof fetch)).rejects.toMatchObject({
      code: 'NETWORK',
      message: 'The request did not reach the API: fetch failed',
    })
  })
})

describe('parseServerTiming', () => {
  it('skips entries without a duration', () => {
    expect(parseServerTiming('cold;desc="index loaded", load;dur=12')).toEqual({ load: 12 })
    expect(parseServerTiming(null)).toEqual({})
  })
})
