import { describe, expect, it } from 'vitest'
import { fixtureReference, loadFixture, maxAbsDiff } from './fixtures-node.ts'
import type { OpenElm } from './openelm.ts'
import { freshTokens } from './tokens.ts'

async function elm(name: 'openelm' | 'openelm-f16' | 'openelm-bf16' | 'openelm-aux'): Promise<OpenElm> {
  const m = await loadFixture(name)
  if (m.arch !== 'openelm') throw new Error('not openelm')
  return m.model
}

describe('OpenELM parity with the PyTorch reference', () => {
  it('gives the reference logits and hidden states for every position without a cache', async () => {
    const model = await elm('openelm')
    const ref = fixtureReference('openelm')
    const ids = ref.json.input_ids as number[]
    const out = model.forward(model.embed(ids), freshTokens(ids.length), {
      logits: 'all',
      hiddenStates: true,
    })
    expect(maxAbsDiff(out.logits, ref.tensor('logits').data)).toBeLessThan(1e-4)
    const hs = ref.tensor('hidden_states')
    expect(out.hiddenStates).toHaveLength(model.numLayers + 1)
    const flat = new Float32Array(hs.data.length)
    for (const [i, h] of out.hiddenStates!.entries()) flat.set(h, i * h.length)
    expect(maxAbsDiff(flat, hs.data)).toBeLessThan(1e-4)
  })

  it('gives the same logits when the prompt is split and continued token by token on the KV cache', async () => {
    const model = await elm('openelm')
    const ref = fixtureReference('openelm')
    const ids = ref.json.input_ids as number[]
    const split = ref.json.prefill_split as number
    const cache = model.newCache()
    const first = model.forward(model.embed(ids.slice(0, split)), freshTokens(split), {
      cache,
      logits: 'all',
    })
    const v = model.vocabSize
    const full = ref.tensor('logits').data
    expect(maxAbsDiff(first.logits, full.subarray(0, split * v))).toBeLessThan(1e-4)
    for (let t = split; t < ids.length; t++) {
      const o = model.forward(model.embed([ids[t]!]), freshTokens(1, cache.nextPosition), { cache })
      expect(maxAbsDiff(o.logits, full.subarray(t * v, (t + 1) * v))).toBeLessThan(1e-4)
    }
    expect(cache.lengths()).toEqual([ids.length, ids.length, ids.length])
  })

  it('reproduces greedy decoding (tokens and per-step logits) of the reference', async () => {
    const model = await elm('openelm')
    const ref = fixtureReference('openelm')
    const ids = ref.json.input_ids as number[]
    const want = ref.json.greedy_tokens as number[]
    const cache = model.newCache()
    let out = model.forward(model.embed(ids), freshTokens(ids.length), { cache })
    const v = model.vocabSize
    const gl = ref.tensor('greedy_logits').data
    for (const [step, tok] of want.entries()) {
      expect(maxAbsDiff(out.logits, gl.subarray(step * v, (step + 1) * v))).toBeLessThan(1e-4)
      let best = 0
      for (let i = 1; i < v; i++) if (out.logits[i]! > out.logits[best]!) best = i
      expect(best).toBe(tok)
      out = model.forward(model.embed([tok]), freshTokens(1, cache.nextPosition), { cache })
    }
  })

  it.each(['openelm-f16', 'openelm-bf16'] as const)(
    'loads %s weights and matches the reference on the rounded weights',
    async (name) => {
      const model = await elm(name)
      const ref = fixtureReference(name)
      const ids = ref.json.input_ids as number[]
      const out = model.forward(model.embed(ids), freshTokens(ids.length), { logits: 'all' })
      expect(maxAbsDiff(out.logits, ref.tensor('logits').data)).toBeLessThan(1e-4)
    },
  )

  it('counts FLOPs: a decode step costs far less than the prefill, and a longer prompt more', async () => {
    const model = await elm('openelm')
    const ids = (fixtureReference('openelm').json.input_ids as number[]).slice(0, 20)
    const cache = model.newCache()
    const pre = model.forward(model.embed(ids), freshTokens(ids.length), { cache })
    const step = model.forward(model.embed([5]), freshTokens(1, cache.nextPosition), { cache })
    expect(step.flops.total).toBeGreaterThan(0)
    expect(pre.flops.total).toBeGreaterThan(10 * step.flops.total)
    const short = model.forward(model.embed(ids.slice(0, 10)), freshTokens(10))
    expect(short.flops.linear).toBeLessThan(pre.flops.linear)
  })
})
