import { describe, expect, it } from 'vitest'
import { fixtureReference, loadFixture, maxAbsDiff } from './fixtures-node.ts'
import { FlopCounter } from './flops.ts'
import { generate } from './generate.ts'
import type { KvPredictor } from './kv-prediction.ts'
import { kvPredictionPrefill } from './kv-prediction.ts'
import type { OpenElm } from './openelm.ts'
import { freshTokens } from './tokens.ts'

async function trio(): Promise<{ base: OpenElm; aux: OpenElm; kvp: KvPredictor }> {
  const [b, a, p] = await Promise.all([
    loadFixture('openelm'),
    loadFixture('openelm-aux'),
    loadFixture('openelm-kvp'),
  ])
  if (b.arch !== 'openelm' || a.arch !== 'openelm' || p.arch !== 'kv_predictor') throw new Error('fixtures')
  return { base: b.model, aux: a.model, kvp: p.model }
}

describe('KV Prediction parity with the PyTorch reference', () => {
  it('predicts the base values from the aux cache (the keys are checked through the base logits below)', async () => {
    const { base, aux, kvp } = await trio()
    const ref = fixtureReference('openelm-kvp')
    const ids = (ref.json.input_ids as number[]).slice(0, -1)
    const out = aux.forward(aux.embed(ids), freshTokens(ids.length), { rawKv: true, logits: 'none' })
    // Reference K/V are [heads, tokens, hd]; the runtime's raw K/V are [tokens, heads*hd] before k_norm.
    const cache = kvp.predictCache(base, out.rawKv!)
    base.layers.forEach((l, i) => {
      const v = ref.tensor(`predicted_v.${i}`).data
      const n = ids.length
      const got = cache.layers[i]!.view().v
      const hd = base.config.head_dim
      const reordered = new Float32Array(v.length)
      for (let h = 0; h < l.nkv; h++)
        for (let t = 0; t < n; t++)
          for (let j = 0; j < hd; j++) reordered[(t * l.nkv + h) * hd + j] = v[(h * n + t) * hd + j]!
      expect(maxAbsDiff(got, reordered)).toBeLessThan(1e-4)
    })
  })

  it('generates the reference tokens: aux prefill, base on the last token, base alone afterwards', async () => {
    const { base, aux, kvp } = await trio()
    const ref = fixtureReference('openelm-kvp')
    const ids = ref.json.input_ids as number[]
    const want = ref.json.greedy_tokens as number[]
    const logits = ref.tensor('logits').data
    const v = base.vocabSize
    const first = kvPredictionPrefill(base, aux, kvp, ids)
    expect(maxAbsDiff(first.logits, logits.subarray(0, v))).toBeLessThan(1e-4)
    const gen = generate(
      base,
      () => kvPredictionPrefill(base, aux, kvp, ids),
      { promptTokens: ids.length },
      {
        maxTokens: want.length,
        stopTokens: [],
      },
    )
    await gen.complete()
    expect(gen.ids).toEqual(want)
  })

  it('spends fewer base FLOPs on the prompt than the base alone', async () => {
    const { base, aux, kvp } = await trio()
    const ids = fixtureReference('openelm-kvp').json.input_ids as number[]
    const kv = kvPredictionPrefill(base, aux, kvp, ids, new FlopCounter())
    const plain = base.forward(base.embed(ids), freshTokens(ids.length))
    expect(kv.flops.total).toBeLessThan(plain.flops.total)
  })

  it('refuses a predictor that does not fit the pair', async () => {
    const { base, aux, kvp } = await trio()
    expect(() => kvPredictionPrefill(aux, base, kvp, [1, 2, 3])).toThrow(
      expect.objectContaining({ code: 'CONFIG_MISMATCH' }),
    )
  })
})
