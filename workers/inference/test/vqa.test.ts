import { encodePng, generateGraph } from '@frugal/synth'
import { beforeAll, describe, expect, it } from 'vitest'
import { expectError, modelSet, post, reseal, send, upload, uploadFixtures } from './helpers.ts'

interface Answer {
  answer: string
  reduction: string
  tokensPerLayer: number[]
  promptTokens: number
  cost: { flops: { prefill: number; decode: number }; ms: number }
  budget?: { flops: number; expectedAccuracy: number }
  trained: boolean
}

/** The fixture VLM takes 32 × 32 images: 16 patches, 2 registers, then the question. */
const SIZE = 32
const scene = generateGraph(
  { seed: 3, split: 'train', index: 0 },
  { width: SIZE, height: SIZE, maxObjects: 2 },
)
function png(size = SIZE): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(size * size * 3).map((_, i) => (i * 37) % 256)
  return encodePng({ width: size, height: size, data }) as Uint8Array<ArrayBuffer>
}
function b64(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}
const image = b64(png())
const vqa = (body: unknown, name = 'vlm') => post(`/v1/models/${name}/vqa`, body)

beforeAll(async () => {
  await uploadFixtures('vlm', 'openelm')
  // A copy of the VLM with an accuracy-cost table, to test budgets (the numbers are test data,
  // not measurements: the fixture is random-initialised).
  const costed = await reseal(modelSet('vlm'), {
    costTable: [
      { reduction: 'none', accuracy: 0.6, flops: 3e6 },
      { reduction: 'tome:r=2', accuracy: 0.55, flops: 2e6 },
      { reduction: 'victor', accuracy: 0.5, flops: 1e6 },
    ],
  })
  const res = await upload('vlm-costed', costed)
  expect(res.status, await res.clone().text()).toBe(201)
})

describe('POST /v1/models/{name}/vqa', () => {
  it('answers about a base64 PNG with the tokens each decoder layer kept and the cost', async () => {
    const res = await vqa({ image, question: 'what colour is the circle?' })
    expect(res.status, await res.clone().text()).toBe(200)
    const a = (await res.json()) as Answer
    expect(typeof a.answer).toBe('string')
    expect(a.reduction).toBe('none')
    expect(a.tokensPerLayer).toHaveLength(3)
    expect(new Set(a.tokensPerLayer)).toEqual(new Set([a.promptTokens]))
    expect(a.cost.flops.prefill).toBeGreaterThan(0)
    expect(a.trained).toBe(false)
  })

  it('runs Victor, ToMe and PuMer: fewer tokens and fewer prefill FLOPs than none', async () => {
    const q = { image, question: 'is there a red square?' }
    const none = (await (await vqa(q)).json()) as Answer
    const victor = (await (await vqa({ ...q, reduction: 'victor' })).json()) as Answer
    const n = none.promptTokens
    expect(victor.tokensPerLayer).toEqual([n, n - 16, n - 16])
    const tome = (await (await vqa({ ...q, reduction: 'tome:r=2' })).json()) as Answer
    expect(tome.reduction).toBe('tome:r=2')
    expect(tome.tokensPerLayer[0]!).toBeLessThan(n)
    const pumer = (await (
      await vqa({ ...q, reduction: 'pumer:keep=0.5,merge=0.25,layers=0' })
    ).json()) as Answer
    expect(pumer.tokensPerLayer[0]).toBe(n)
    expect(pumer.tokensPerLayer[1]!).toBeLessThan(n)
    for (const r of [victor, tome, pumer]) expect(r.cost.flops.prefill).toBeLessThan(none.cost.flops.prefill)
  })

  it('renders a @frugal/synth scene graph in the worker', async () => {
    const res = await vqa({ scene, question: 'how many objects are there?' })
    expect(res.status, await res.clone().text()).toBe(200)
    const a = (await res.json()) as Answer
    expect(a.tokensPerLayer).toHaveLength(3)
  })

  it('takes multipart form data with an image file part', async () => {
    const form = new FormData()
    form.append('image', new File([png()], 'scene.png', { type: 'image/png' }))
    form.append('question', 'what shape is it?')
    form.append('reduction', 'victor')
    form.append('maxTokens', '4')
    const res = await send('/v1/models/vlm/vqa', { method: 'POST', body: form })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(((await res.json()) as Answer).reduction).toBe('victor')
    const bad = new FormData()
    bad.append('image', new File([png()], 'x.png'))
    bad.append('question', 'q?')
    bad.append('budget', 'cheap')
    await expectError(
      await send('/v1/models/vlm/vqa', { method: 'POST', body: bad }),
      400,
      'INVALID_REQUEST',
      'budget',
    )
  })

  it('picks the most accurate measured reduction within a compute budget', async () => {
    const q = { image, question: 'is it big?' }
    const mid = (await (await vqa({ ...q, budget: 2.5e6 }, 'vlm-costed')).json()) as Answer
    expect(mid.reduction).toBe('tome:r=2')
    expect(mid.budget).toEqual({ flops: 2e6, expectedAccuracy: 0.55 })
    const all = (await (await vqa({ ...q, budget: 1e9 }, 'vlm-costed')).json()) as Answer
    expect(all.reduction).toBe('none')
    const low = await expectError(
      await vqa({ ...q, budget: 10 }, 'vlm-costed'),
      400,
      'INVALID_REQUEST',
      'budget',
    )
    expect(low.message).toMatch(/cheapest/)
    await expectError(await vqa({ ...q, budget: 1e6 }), 400, 'INVALID_REQUEST', 'budget')
    await expectError(
      await vqa({ ...q, budget: 1e6, reduction: 'victor' }, 'vlm-costed'),
      400,
      'INVALID_REQUEST',
      'budget',
    )
  })

  it('refuses bad input with a 4xx naming the field', async () => {
    const q = 'what is it?'
    await expectError(await vqa({ question: q }), 400, 'INVALID_REQUEST', 'image')
    await expectError(await vqa({ image, scene, question: q }), 400, 'INVALID_REQUEST', 'image')
    await expectError(await vqa({ image: '!!not base64!!', question: q }), 400, 'INVALID_REQUEST', 'image')
    await expectError(
      await vqa({ image: btoa('GIF89a not a png'), question: q }),
      400,
      'INVALID_REQUEST',
      'image',
    )
    const wrongSize = await expectError(
      await vqa({ image: b64(png(48)), question: q }),
      400,
      'INVALID_REQUEST',
      'image',
    )
    expect(wrongSize.message).toMatch(/32×32/)
    // Over 1 MiB of PNG as base64: refused by the schema; a body past the route's limit: 413.
    await expectError(
      await vqa({ image: 'A'.repeat(1_400_000), question: q }),
      400,
      'INVALID_REQUEST',
      'image',
    )
    await expectError(
      await vqa({ image: 'A'.repeat(1_500_000), question: q }),
      413,
      'PAYLOAD_TOO_LARGE',
      'body',
    )
    const form = new FormData()
    form.append('image', new File([new Uint8Array(1_100_000)], 'big.png'))
    form.append('question', q)
    await expectError(
      await send('/v1/models/vlm/vqa', { method: 'POST', body: form }),
      413,
      'PAYLOAD_TOO_LARGE',
      'image',
    )
    await expectError(await vqa({ image, question: '' }), 400, 'INVALID_REQUEST', 'question')
    await expectError(await vqa({ image }), 400, 'INVALID_REQUEST', 'question')
    await expectError(
      await vqa({ scene: { ...scene, width: 64 }, question: q }),
      400,
      'INVALID_REQUEST',
      'scene',
    )
    await expectError(
      await vqa({ scene: { ...scene, objects: [{ ...scene.objects[0], colour: 'plaid' }] }, question: q }),
      400,
      'INVALID_REQUEST',
      'scene.objects.0.colour',
    )
    for (const reduction of [
      'fast',
      'tome',
      'tome:r=2,layers=5',
      'pumer:keep=0.5,merge=0.25,layers=7',
      'none+victor',
    ]) {
      await expectError(
        await vqa({ image, question: q, reduction }),
        400,
        'UNSUPPORTED_REDUCTION',
        'reduction',
      )
    }
    await expectError(await vqa({ image, question: q, budget: 'cheap' }), 400, 'INVALID_REQUEST', 'budget')
    await expectError(await vqa({ image, question: q, budget: -1 }), 400, 'INVALID_REQUEST', 'budget')
    await expectError(await vqa({ image, question: q, maxTokens: 0 }), 400, 'INVALID_REQUEST', 'maxTokens')
    await expectError(await vqa({ image, question: q }, 'openelm'), 400, 'UNSUPPORTED_TASK', 'name')
    await expectError(await vqa({ image, question: q }, 'nope'), 404, 'MODEL_NOT_FOUND', 'name')
  })
})
