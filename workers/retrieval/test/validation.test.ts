import { beforeAll, describe, expect, it } from 'vitest'
import { expectError, fixtureFiles, post, send, uploadTar } from './helpers.ts'

const SEARCH = '/v1/indexes/default/search'
const BATCH = '/v1/indexes/default/search:batch'

beforeAll(async () => {
  expect([200, 201]).toContain((await uploadTar('default', fixtureFiles())).status)
})

describe('bad search input gives a 4xx naming the field', () => {
  it.each([
    ['no query and no vector', { k: 3 }, 'query'],
    ['an unknown field', { query: 'navy', colour: 'red' }, 'colour'],
    ['query of the wrong type', { query: 42 }, 'query'],
    ['k as a string', { query: 'navy', k: '5' }, 'k'],
    ['k of 0', { query: 'navy', k: 0 }, 'k'],
    ['k of 101', { query: 'navy', k: 101 }, 'k'],
    ['k not an integer', { query: 'navy', k: 2.5 }, 'k'],
    ['an unknown mode', { query: 'navy', mode: 'fuzzy' }, 'mode'],
    ['a vector in lexical mode', { vector: [1, 2], mode: 'lexical' }, 'mode'],
    ['both query and vector', { query: 'navy', vector: [1] }, 'vector'],
    ['NaN as a string in the vector', { vector: ['NaN', 1] }, 'vector.0'],
    ['Infinity as a string in the vector', { vector: [0, 'Infinity'] }, 'vector.1'],
    ['Infinity as a string budget', { query: 'navy', budget: 'Infinity' }, 'budget'],
    ['a negative budget', { query: 'navy', budget: -1 }, 'budget'],
    ['a recall target above 1', { query: 'navy', targetRecall: 1.5 }, 'targetRecall'],
    ['budget together with dims', { query: 'navy', budget: 1000, dims: 4 }, 'budget'],
    ['recall target together with nprobe', { query: 'navy', targetRecall: 0.9, nprobe: 2 }, 'targetRecall'],
    ['an empty query', { query: '' }, 'query'],
    ['a blank query', { query: '   \n\t' }, 'query'],
    ['dims as a float', { query: 'navy', dims: 3.5 }, 'dims'],
    ['a null k', { query: 'navy', k: null }, 'k'],
  ])('%s', async (_, body, field) => {
    await expectError(await post(SEARCH, body), 400, 'INVALID_REQUEST', field)
  })

  it('refuses numbers that overflow to Infinity (1e400) in any numeric field', async () => {
    await expectError(await post(SEARCH, '{"vector":[1e400,0]}'), 400, 'INVALID_REQUEST', 'vector.0')
    await expectError(await post(SEARCH, '{"query":"navy","k":1e400}'), 400, 'INVALID_REQUEST', 'k')
    await expectError(await post(SEARCH, '{"query":"navy","budget":1e999}'), 400, 'INVALID_REQUEST', 'budget')
    await expectError(
      await post(SEARCH, '{"query":"navy","targetRecall":-1e400}'),
      400,
      'INVALID_REQUEST',
      'targetRecall',
    )
  })

  it('refuses vector values beyond ±2^32 (where scores could overflow), naming the value', async () => {
    const vector = Array.from({ length: 16 }, () => 0.1)
    vector[3] = 1e39
    await expectError(await post(SEARCH, { vector }), 400, 'INVALID_REQUEST', 'vector.3')
    vector[3] = -1e39
    await expectError(
      await post(BATCH, { queries: [{ query: 'navy' }, { vector }] }),
      400,
      'INVALID_REQUEST',
      'queries.1.vector.3',
    )
    vector[3] = 3e38
    await expectError(await post(SEARCH, { vector }), 400, 'INVALID_REQUEST', 'vector.3')
    vector[3] = 4e9
    const res = await post(SEARCH, { vector, mode: 'dense' })
    expect(res.status).toBe(200)
    const { hits } = (await res.json()) as { hits: { score: number }[] }
    expect(hits.every((h) => Number.isFinite(h.score))).toBe(true)
  })

  it('names the field once in refusals that come from the index', async () => {
    const budget = await expectError(
      await post(SEARCH, { query: 'navy', budget: 1e-9 }),
      400,
      'INVALID_REQUEST',
      'budget',
    )
    expect(budget.message).toMatch(/^budget: no tuned setting/)
    const nprobe = await expectError(
      await post(BATCH, { queries: [{ query: 'navy' }, { query: 'navy', nprobe: 9999 }] }),
      400,
      'INVALID_REQUEST',
      'queries.1.nprobe',
    )
    expect(nprobe.message).toMatch(/^queries\.1\.nprobe: nprobe must be/)
  })

  it('refuses a vector whose length differs from the index dims', async () => {
    const e = await expectError(
      await post(SEARCH, { vector: [0.1, 0.2, 0.3] }),
      400,
      'INVALID_REQUEST',
      'vector',
    )
    expect(e.message).toMatch(/16/)
  })

  it('refuses dims beyond the index dims', async () => {
    await expectError(
      await post(SEARCH, { query: 'navy', mode: 'dense', dims: 17 }),
      400,
      'INVALID_REQUEST',
      'dims',
    )
  })

  it('refuses a 1 MB query with 413 before parsing it', async () => {
    await expectError(
      await post(SEARCH, { query: 'a'.repeat(1024 * 1024) }),
      413,
      'PAYLOAD_TOO_LARGE',
      'body',
    )
  })

  it('refuses a query longer than 2048 characters that fits the body limit', async () => {
    await expectError(await post(SEARCH, { query: 'navy '.repeat(1000) }), 400, 'INVALID_REQUEST', 'query')
  })

  it('refuses a streamed body over the limit even without Content-Length', async () => {
    const big = new TextEncoder().encode(JSON.stringify({ query: 'a'.repeat(300_000) }))
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < big.length; i += 16_384) controller.enqueue(big.subarray(i, i + 16_384))
        controller.close()
      },
    })
    const res = await send(SEARCH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
    })
    await expectError(res, 413, 'PAYLOAD_TOO_LARGE')
  })

  it.each([
    ['truncated JSON', '{"query": "navy"'],
    ['not JSON at all', 'query=navy'],
    ['a JSON array', '[1,2,3]'],
    ['a trailing comma', '{"query":"navy",}'],
    ['NaN as a bare literal', '{"vector":[NaN]}'],
  ])('refuses malformed JSON: %s', async (_, raw) => {
    const res = await post(SEARCH, raw)
    expect(res.status).toBe(400)
    const { error } = (await res.json()) as { error: { code: string } }
    expect(['MALFORMED_JSON', 'INVALID_REQUEST']).toContain(error.code)
  })

  it('refuses a body that is not declared as JSON', async () => {
    const res = await post(SEARCH, '{"query":"navy"}', { 'content-type': 'text/plain' })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
  })

  it('answers a body not declared as JSON with 415 UNSUPPORTED_MEDIA_TYPE naming the content-type', async () => {
    const text = await post(SEARCH, '{"query":"navy"}', { 'content-type': 'text/plain' })
    await expectError(text, 415, 'UNSUPPORTED_MEDIA_TYPE', 'content-type')
    const none = await send(SEARCH, { method: 'POST', body: '{"query":"navy"}' })
    await expectError(none, 415, 'UNSUPPORTED_MEDIA_TYPE', 'content-type')
    const batch = await post(BATCH, '{"queries":[{"query":"navy"}]}', { 'content-type': 'text/plain' })
    await expectError(batch, 415, 'UNSUPPORTED_MEDIA_TYPE', 'content-type')
  })

  it('refuses an invalid index name', async () => {
    await expectError(
      await post('/v1/indexes/Bad%20Name!/search', { query: 'navy' }),
      400,
      'INVALID_REQUEST',
      'name',
    )
  })
})

describe('bad batch input', () => {
  it('names the query at fault', async () => {
    const queries = [{ query: 'navy' }, { query: 'navy', k: 500 }]
    await expectError(await post(BATCH, { queries }), 400, 'INVALID_REQUEST', 'queries.1.k')
  })

  it('names a vector of the wrong length inside a batch', async () => {
    const queries = [{ query: 'navy' }, { vector: [1, 2] }]
    await expectError(await post(BATCH, { queries }), 400, 'INVALID_REQUEST', 'queries.1.vector')
  })

  it('refuses an empty batch and one over 64 queries', async () => {
    await expectError(await post(BATCH, { queries: [] }), 400, 'INVALID_REQUEST', 'queries')
    const many = Array.from({ length: 65 }, () => ({ query: 'navy' }))
    await expectError(await post(BATCH, { queries: many }), 400, 'INVALID_REQUEST', 'queries')
  })

  it('refuses a batch without queries', async () => {
    await expectError(await post(BATCH, { query: 'navy' }), 400, 'INVALID_REQUEST')
  })
})
