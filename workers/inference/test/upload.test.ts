import { describe, expect, it } from 'vitest'
import { expectError, get, modelSet, post, reseal, send, TOKEN, tarOf, upload } from './helpers.ts'

interface Head {
  name: string
  version: string
  files: { name: string }[]
}

const PROMPT = 'Fellow-Citizens of the Senate'

async function version(name: string): Promise<string> {
  return ((await (await get(`/v1/models/${name}`)).json()) as Head).version
}

async function generated(name: string): Promise<string> {
  const res = await post(`/v1/models/${name}/generate`, { prompt: PROMPT, maxTokens: 4 })
  expect(res.status).toBe(200)
  return ((await res.json()) as { text: string }).text
}

const flip = (b: Uint8Array<ArrayBuffer>) => {
  const c = new Uint8Array(b)
  c[Math.floor(c.length / 2)]! ^= 0xff
  return c
}

describe('PUT /v1/models/{name}', () => {
  it('needs a bearer token: 401 without, 403 with a wrong one', async () => {
    const body = tarOf(modelSet('openelm'))
    const none = await send('/v1/models/up', {
      method: 'PUT',
      headers: { 'content-type': 'application/x-tar' },
      body,
    })
    await expectError(none, 401, 'UNAUTHORIZED', 'authorization')
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="frugal-inference"/)
    await expectError(await upload('up', modelSet('openelm'), 'wrong'), 403, 'FORBIDDEN', 'authorization')
  })

  it('stores a tar upload (201), replaces it (200) under a new version, and serves it', async () => {
    const first = await upload('fresh', modelSet('openelm'))
    expect(first.status, await first.clone().text()).toBe(201)
    const head = (await first.json()) as Head
    expect(head.files.map((f) => f.name)).toContain('predictor.model.safetensors')
    const second = await upload('fresh', modelSet('openelm'))
    expect(second.status).toBe(200)
    expect(((await second.json()) as Head).version).not.toBe(head.version)
    expect(await generated('fresh')).toBe(await generated('fresh'))
  })

  it('accepts multipart form data with one file part per file', async () => {
    const form = new FormData()
    for (const [name, data] of modelSet('bert-embedder')) form.append(name, new File([data], name))
    const res = await send('/v1/models/multi', {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: form,
    })
    expect(res.status, await res.clone().text()).toBe(201)
    expect((await post('/v1/models/multi/embed', { texts: ['hello'] })).status).toBe(200)
  })

  it('validates the set whole, rejects with 422 naming the file, and keeps serving the previous set', async () => {
    expect([200, 201]).toContain((await upload('up', modelSet('openelm'))).status)
    const before = await version('up')
    const text = await generated('up')
    const cases: [string, Map<string, Uint8Array<ArrayBuffer>>, string][] = []
    const add = (label: string, files: Map<string, Uint8Array<ArrayBuffer>>, field: string) =>
      cases.push([label, files, field])
    {
      const f = modelSet('openelm')
      f.set('model.safetensors', flip(f.get('model.safetensors')!))
      add('flipped byte (checksum)', f, 'model.safetensors')
    }
    {
      const f = modelSet('openelm')
      f.set('model.safetensors', f.get('model.safetensors')!.slice(0, -7))
      add('truncated (size)', f, 'model.safetensors')
    }
    {
      const f = modelSet('openelm')
      f.set('model.safetensors', f.get('model.safetensors')!.slice(0, 100))
      add('truncated weights, manifest re-sealed', await reseal(f), 'model.safetensors')
    }
    {
      const f = modelSet('openelm')
      f.set('model.safetensors', modelSet('vlm').get('model.safetensors')!)
      add('weights of another model, re-sealed', await reseal(f), 'model.safetensors')
    }
    {
      const f = modelSet('openelm')
      f.set('config.json', new TextEncoder().encode('{"model_type":"openelm"}'))
      add('invalid config, re-sealed', await reseal(f), 'config.json')
    }
    {
      const f = modelSet('openelm')
      f.set('tokenizer.json', new TextEncoder().encode('{"not":"a tokenizer"}'))
      add('broken tokenizer, re-sealed', await reseal(f), 'tokenizer.json')
    }
    {
      const f = modelSet('openelm')
      f.delete('tokenizer.json')
      add('decoder without tokenizer', await reseal(f), 'tokenizer.json')
    }
    {
      const f = modelSet('openelm')
      f.delete('predictor.model.safetensors')
      add('half a KV Prediction pair', await reseal(f), 'predictor.model.safetensors')
    }
    {
      const f = modelSet('openelm')
      f.set('aux.config.json', modelSet('openelm').get('config.json')!)
      f.set('aux.model.safetensors', modelSet('openelm').get('model.safetensors')!)
      add('predictor for another aux, re-sealed', await reseal(f), 'predictor.config.json')
    }
    {
      const f = modelSet('openelm')
      f.delete('manifest.json')
      add('no manifest', f, 'manifest.json')
    }
    {
      const f = modelSet('openelm')
      f.set('notes.txt', new TextEncoder().encode('hi'))
      add('unknown file', f, 'notes.txt')
    }
    {
      const f = modelSet('openelm')
      f.set('manifest.json', new TextEncoder().encode('{"format":"frugal-model-set","version":2}'))
      add('manifest of another version', f, 'manifest.json')
    }
    {
      const f = modelSet('openelm')
      add(
        'a cost table on a decoder',
        await reseal(f, { costTable: [{ reduction: 'none', accuracy: 0.5, flops: 1 }] }),
        'manifest.json',
      )
    }
    {
      const f = modelSet('vlm')
      add(
        'a cost table the model cannot run',
        await reseal(f, { costTable: [{ reduction: 'tome:r=2,layers=9', accuracy: 0.5, flops: 1 }] }),
        'manifest.json',
      )
    }
    for (const [label, files, field] of cases) {
      const e = await expectError(await upload('up', files), 422, 'ARTIFACT_REJECTED')
      expect(e.field, `${label}: ${e.message}`).toBe(field)
    }
    expect(await version('up')).toBe(before)
    expect(await generated('up')).toBe(text)
  })

  it('refuses bodies that are not a model set, sets over MAX_MODEL_BYTES and bad names', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` }
    await expectError(
      await send('/v1/models/up', {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/x-tar' },
        body: 'hello',
      }),
      422,
      'ARTIFACT_REJECTED',
    )
    await expectError(
      await send('/v1/models/up', {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{}',
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'content-type',
    )
    // MAX_MODEL_BYTES is 2 MiB in the tests: a bigger body is refused before it is read.
    await expectError(
      await send('/v1/models/up', {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/x-tar' },
        body: new Uint8Array(3 * 1024 * 1024),
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    )
    const padded = modelSet('openelm')
    padded.set('tokenizer.json', new Uint8Array(2 * 1024 * 1024 + 10).fill(32))
    await expectError(await upload('up', padded), 413, 'MODEL_TOO_LARGE', 'files')
    await expectError(await upload('UPPER', modelSet('openelm')), 400, 'INVALID_REQUEST', 'name')
  })
})
