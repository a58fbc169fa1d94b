import { beforeAll, describe, expect, it } from 'vitest'
import { expectError, modelSet, post, reseal, send, upload, uploadFixtures } from './helpers.ts'

interface Generated {
  text: string
  finishReason: string
  kvPrediction: boolean
  tokens: { prompt: number; completion: number }
  timing: { ttftMs: number; tokensPerS: number; totalMs: number }
  flops: { prefill: number; decode: number }
  trained: boolean
}

const PROMPT = 'Fellow-Citizens of the Senate: the Union is'

/** Reads a server-sent event stream into its events. */
async function events(res: Response): Promise<{ event: string; data: unknown }[]> {
  const text = await res.text()
  return text
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((block) => {
      const lines = block.split('\n')
      const event =
        lines
          .find((l) => l.startsWith('event:'))
          ?.slice(6)
          .trim() ?? 'message'
      const data = lines
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n')
      return { event, data: JSON.parse(data) }
    })
}

beforeAll(async () => {
  await uploadFixtures('openelm', 'vlm')
  // The same decoder without its KV Prediction pair.
  const plain = modelSet('openelm')
  for (const f of [
    'aux.config.json',
    'aux.model.safetensors',
    'predictor.config.json',
    'predictor.model.safetensors',
  ])
    plain.delete(f)
  expect((await upload('elm-plain', await reseal(plain))).status).toBe(201)
})

describe('POST /v1/models/{name}/generate', () => {
  it('generates text with token counts, time to first token, tokens/s and FLOPs; greedy runs repeat exactly', async () => {
    const res = await post('/v1/models/openelm/generate', { prompt: PROMPT, maxTokens: 6 })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(res.headers.get('server-timing')).toMatch(/load.*ttft|ttft/)
    const a = (await res.json()) as Generated
    expect(a.tokens.prompt).toBeGreaterThan(1)
    expect(a.tokens.completion).toBeGreaterThan(0)
    expect(a.tokens.completion).toBeLessThanOrEqual(6)
    expect(['stop', 'length']).toContain(a.finishReason)
    expect(a.flops.prefill).toBeGreaterThan(0)
    expect(a.timing.ttftMs).toBeGreaterThanOrEqual(0)
    expect(a.timing.totalMs).toBeGreaterThanOrEqual(a.timing.ttftMs)
    expect(a.trained).toBe(false)
    expect(a.kvPrediction).toBe(false)
    const b = (await (
      await post('/v1/models/openelm/generate', { prompt: PROMPT, maxTokens: 6 })
    ).json()) as Generated
    expect(b.text).toBe(a.text)
  })

  it('samples with temperature, topP and a seed: the same seed gives the same text', async () => {
    const body = { prompt: PROMPT, maxTokens: 8, temperature: 1.2, topP: 0.95, seed: 7 }
    const a = (await (await post('/v1/models/openelm/generate', body)).json()) as Generated
    const b = (await (await post('/v1/models/openelm/generate', body)).json()) as Generated
    expect(b.text).toBe(a.text)
  })

  it('prefills with KV Prediction: the auxiliary model runs the prompt, fewer prefill FLOPs than the base', async () => {
    const base = (await (
      await post('/v1/models/openelm/generate', { prompt: PROMPT, maxTokens: 2 })
    ).json()) as Generated
    const res = await post('/v1/models/openelm/generate', {
      prompt: PROMPT,
      maxTokens: 2,
      kvPrediction: true,
    })
    expect(res.status, await res.clone().text()).toBe(200)
    const kvp = (await res.json()) as Generated
    expect(kvp.kvPrediction).toBe(true)
    expect(kvp.tokens.prompt).toBe(base.tokens.prompt)
    expect(kvp.flops.prefill).toBeGreaterThan(0)
    expect(kvp.flops.prefill).toBeLessThan(base.flops.prefill)
  })

  it('streams server-sent events: one token event per token, then done with the full answer', async () => {
    const res = await post('/v1/models/openelm/generate', { prompt: PROMPT, maxTokens: 5, stream: true })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const all = await events(res)
    const tokens = all
      .filter((e) => e.event === 'token')
      .map((e) => e.data as { index: number; text: string })
    const done = all.at(-1)!
    expect(done.event).toBe('done')
    const result = done.data as Generated
    expect(tokens.map((t) => t.index)).toEqual(tokens.map((_, i) => i))
    // A token's text is held back while its UTF-8 character is incomplete; what is still held at
    // the end (a random model's broken byte sequence) is only in done's text, as U+FFFD.
    const joined = tokens.map((t) => t.text).join('')
    expect(result.text.startsWith(joined)).toBe(true)
    expect(result.text.slice(joined.length)).toMatch(/^\uFFFD*$/)
    expect(tokens.length).toBe(result.tokens.completion)
    const plain = (await (
      await post('/v1/models/openelm/generate', { prompt: PROMPT, maxTokens: 5 })
    ).json()) as Generated
    expect(result.text).toBe(plain.text)
  })

  it('survives a client that drops the stream, and serves the next request', async () => {
    const controller = new AbortController()
    const res = await send('/v1/models/openelm/generate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: PROMPT, maxTokens: 60, stream: true }),
      signal: controller.signal,
    })
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toMatch(/event: token/)
    controller.abort()
    await reader.cancel().catch(() => {})
    const next = await post('/v1/models/openelm/generate', { prompt: PROMPT, maxTokens: 2 })
    expect(next.status).toBe(200)
  })

  it('refuses bad input with a 4xx naming the field', async () => {
    const g = (body: unknown, name = 'openelm') => post(`/v1/models/${name}/generate`, body)
    await expectError(await g({ prompt: '' }), 400, 'INVALID_REQUEST', 'prompt')
    await expectError(await g({ prompt: '   ' }), 400, 'INVALID_REQUEST', 'prompt')
    await expectError(await g({}), 400, 'INVALID_REQUEST', 'prompt')
    await expectError(await g({ prompt: 'x'.repeat(9000) }), 400, 'INVALID_REQUEST', 'prompt')
    // Longer than the fixture's 64-token context.
    const long = await expectError(
      await g({ prompt: `${PROMPT} `.repeat(12) }),
      400,
      'INVALID_REQUEST',
      'prompt',
    )
    expect(long.message).toMatch(/context/)
    await expectError(await g({ prompt: PROMPT, maxTokens: 0 }), 400, 'INVALID_REQUEST', 'maxTokens')
    await expectError(await g({ prompt: PROMPT, maxTokens: 1.5 }), 400, 'INVALID_REQUEST', 'maxTokens')
    await expectError(await g({ prompt: PROMPT, maxTokens: 10_000 }), 400, 'INVALID_REQUEST', 'maxTokens')
    await expectError(await g({ prompt: PROMPT, temperature: -1 }), 400, 'INVALID_REQUEST', 'temperature')
    await expectError(await g({ prompt: PROMPT, topP: 0 }), 400, 'INVALID_REQUEST', 'topP')
    await expectError(await g({ prompt: PROMPT, stop: [''] }), 400, 'INVALID_REQUEST', 'stop.0')
    await expectError(await g({ prompt: PROMPT, stream: 'yes' }), 400, 'INVALID_REQUEST', 'stream')
    await expectError(await g({ prompt: PROMPT, kvPrediction: 1 }), 400, 'INVALID_REQUEST', 'kvPrediction')
    await expectError(await g({ prompt: PROMPT, temperatur: 1 }), 400, 'INVALID_REQUEST', 'temperatur')
    await expectError(
      await g({ prompt: PROMPT, kvPrediction: true }, 'elm-plain'),
      400,
      'UNSUPPORTED_TASK',
      'kvPrediction',
    )
    await expectError(await g({ prompt: PROMPT }, 'vlm'), 400, 'UNSUPPORTED_TASK', 'name')
    await expectError(await g({ prompt: PROMPT }, 'missing'), 404, 'MODEL_NOT_FOUND', 'name')
    await expectError(await g('{"prompt":'), 400, 'MALFORMED_JSON', 'body')
    await expectError(
      await send('/v1/models/openelm/generate', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hi',
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'content-type',
    )
    await expectError(await g({ prompt: 'x'.repeat(70_000) }), 413, 'PAYLOAD_TOO_LARGE', 'body')
  })

  it('stops at a stop sequence and cuts the text before it', async () => {
    const free = (await (
      await post('/v1/models/openelm/generate', { prompt: PROMPT, maxTokens: 12 })
    ).json()) as Generated
    const cut = free.text.trim().slice(0, 1)
    if (cut === '') return
    const res = (await (
      await post('/v1/models/openelm/generate', { prompt: PROMPT, maxTokens: 12, stop: [cut] })
    ).json()) as Generated
    expect(res.text).not.toContain(cut)
    expect(res.finishReason).toBe('stop')
  })
})
