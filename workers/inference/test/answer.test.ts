import { describe, expect, it } from 'vitest'
import { expectError, post, uploadFixtures } from './helpers.ts'

// The answers themselves need the retrieval worker behind the service binding: they are tested
// with both Workers running in workers/gateway/test/routing.test.ts. Here: every refusal that
// happens before the retrieval API is asked.
describe('POST /v1/answer', () => {
  it('refuses bad input with a 4xx naming the field, before calling the retrieval API', async () => {
    await uploadFixtures('bert-classifier')
    const a = (body: unknown) => post('/v1/answer', body)
    const q = { question: 'who wrote about tariffs?', index: 'default' }
    await expectError(await a({ index: 'default' }), 400, 'INVALID_REQUEST', 'question')
    await expectError(await a({ ...q, question: ' ' }), 400, 'INVALID_REQUEST', 'question')
    await expectError(await a({ ...q, question: 'x'.repeat(1001) }), 400, 'INVALID_REQUEST', 'question')
    await expectError(await a({ question: q.question }), 400, 'INVALID_REQUEST', 'index')
    await expectError(await a({ ...q, index: 'Bad Name' }), 400, 'INVALID_REQUEST', 'index')
    await expectError(await a({ ...q, route: 'reader-only' }), 400, 'INVALID_REQUEST', 'route')
    await expectError(await a({ ...q, k: 0 }), 400, 'INVALID_REQUEST', 'k')
    await expectError(await a({ ...q, k: 21 }), 400, 'INVALID_REQUEST', 'k')
    const btr = await expectError(await a({ ...q, route: 'btr-reader' }), 400, 'UNSUPPORTED_ROUTE', 'route')
    expect(btr.message).toMatch(/BTR/)
    await expectError(await a({ ...q, reader: 'nope' }), 404, 'MODEL_NOT_FOUND', 'reader')
    await expectError(await a({ ...q, reader: 'bert-classifier' }), 400, 'UNSUPPORTED_TASK', 'reader')
  })

  it('answers 503 RETRIEVAL_UNAVAILABLE with Retry-After when the retrieval API fails', async () => {
    const res = await post('/v1/answer', { question: 'tariffs?', index: 'default', route: 'retriever' })
    expect(res.headers.get('retry-after')).toBe('1')
    await expectError(res, 503, 'RETRIEVAL_UNAVAILABLE')
  })
})
