import { beforeAll, describe, expect, it } from 'vitest'
import { expectError, post, uploadFixtures } from './helpers.ts'

beforeAll(() => uploadFixtures('bert-classifier', 'bert-embedder', 'openelm'))

describe('POST /v1/models/{name}/classify', () => {
  it('answers the label, a probability per class that sum to 1, the density and the cost', async () => {
    const res = await post('/v1/models/bert-classifier/classify', { text: 'the tariff on steel' })
    expect(res.status, await res.clone().text()).toBe(200)
    const body = (await res.json()) as {
      label: string
      scores: { label: string; probability: number }[]
      density: number
      tokens: number
      cost: { flops: number }
      trained: boolean
    }
    expect(body.scores.map((s) => s.label)).toEqual(['LABEL_0', 'LABEL_1', 'LABEL_2'])
    expect(body.scores.reduce((a, s) => a + s.probability, 0)).toBeCloseTo(1, 5)
    const best = body.scores.reduce((a, b) => (b.probability > a.probability ? b : a))
    expect(body.label).toBe(best.label)
    expect(body.density).toBe(1)
    expect(body.tokens).toBeGreaterThan(0)
    expect(body.cost.flops).toBeGreaterThan(0)
    expect(body.trained).toBe(false)
    const again = (await (
      await post('/v1/models/bert-classifier/classify', { text: 'the tariff on steel', density: 1 })
    ).json()) as typeof body
    expect(again.scores).toEqual(body.scores)
  })

  it('refuses bad input with a 4xx naming the field', async () => {
    const c = (body: unknown, name = 'bert-classifier') => post(`/v1/models/${name}/classify`, body)
    await expectError(await c({ text: '' }), 400, 'INVALID_REQUEST', 'text')
    await expectError(await c({}), 400, 'INVALID_REQUEST', 'text')
    await expectError(await c({ text: 'a '.repeat(200) }), 400, 'INVALID_REQUEST', 'text')
    await expectError(await c({ text: 'ok', density: 0.5 }), 400, 'UNSUPPORTED_DENSITY', 'density')
    await expectError(await c({ text: 'ok', density: 0 }), 400, 'INVALID_REQUEST', 'density')
    await expectError(await c({ text: 'ok' }, 'bert-embedder'), 400, 'UNSUPPORTED_TASK', 'name')
    await expectError(await c({ text: 'ok' }, 'openelm'), 400, 'UNSUPPORTED_TASK', 'name')
  })
})

describe('POST /v1/models/{name}/embed', () => {
  it('embeds texts at a Matryoshka dim: unit length, and a prefix of the full embedding re-normalised', async () => {
    const full = (await (
      await post('/v1/models/bert-embedder/embed', { texts: ['navy ships', 'tax relief'] })
    ).json()) as {
      dims: number
      embeddings: number[][]
      cost: { flops: number }
    }
    expect(full.dims).toBe(16)
    expect(full.embeddings).toHaveLength(2)
    const res = await post('/v1/models/bert-embedder/embed', { texts: ['navy ships'], dims: 4 })
    expect(res.status, await res.clone().text()).toBe(200)
    const short = (await res.json()) as { dims: number; embeddings: number[][] }
    expect(short.dims).toBe(4)
    const e = short.embeddings[0]!
    expect(Math.hypot(...e)).toBeCloseTo(1, 5)
    const prefix = full.embeddings[0]!.slice(0, 4)
    const norm = Math.hypot(...prefix)
    for (const [i, v] of e.entries()) expect(v).toBeCloseTo(prefix[i]! / norm, 5)
  })

  it('refuses bad input with a 4xx naming the field', async () => {
    const e = (body: unknown, name = 'bert-embedder') => post(`/v1/models/${name}/embed`, body)
    await expectError(await e({ texts: [] }), 400, 'INVALID_REQUEST', 'texts')
    await expectError(await e({ texts: ['ok', ''] }), 400, 'INVALID_REQUEST', 'texts.1')
    await expectError(await e({ texts: Array(33).fill('x') }), 400, 'INVALID_REQUEST', 'texts')
    await expectError(await e({ texts: ['ok'], dims: 5 }), 400, 'INVALID_REQUEST', 'dims')
    await expectError(await e({ texts: ['ok'], dims: 0 }), 400, 'INVALID_REQUEST', 'dims')
    await expectError(await e({ text: 'ok' }), 400, 'INVALID_REQUEST')
    await expectError(await e({ texts: ['ok'] }, 'bert-classifier'), 400, 'UNSUPPORTED_TASK', 'name')
  })
})
