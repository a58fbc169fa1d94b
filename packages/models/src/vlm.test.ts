import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseConfig } from './config.ts'
import { FIXTURES_DIR, fixtureReference, loadFixture, maxAbsDiff } from './fixtures-node.ts'
import type { LayerHook } from './hooks.ts'
import { freshTokens, MODALITY } from './tokens.ts'
import type { Vlm } from './vlm.ts'
import { vqaPrompt } from './vqa.ts'

async function vlm(): Promise<{ model: Vlm; ref: ReturnType<typeof fixtureReference> }> {
  const m = await loadFixture('vlm')
  if (m.arch !== 'frugal_vlm') throw new Error('not vlm')
  return { model: m.model, ref: fixtureReference('vlm') }
}

describe('VLM parity with the PyTorch reference', () => {
  it('keeping the visual tokens: logits and hidden states of every decoder layer', async () => {
    const { model, ref } = await vlm()
    const ids = ref.json.input_ids as number[]
    const cache = model.decoder.newCache()
    const out = model.prefill(ref.tensor('pixel_values').data, ids, cache, {
      dropVisualTokens: false,
      logits: 'all',
      hiddenStates: true,
    })
    expect(maxAbsDiff(out.logits, ref.tensor('logits_no_drop').data)).toBeLessThan(1e-4)
    const hs = ref.tensor('hidden_states_no_drop').data
    const got = new Float32Array(hs.length)
    for (const [i, h] of out.hiddenStates!.entries()) got.set(h, i * h.length)
    expect(maxAbsDiff(got, hs)).toBeLessThan(1e-4)
  })

  it('dropping visual tokens after layer k (Victor): logits of the remaining tokens and per-layer cache lengths', async () => {
    const { model, ref } = await vlm()
    const ids = ref.json.input_ids as number[]
    const cache = model.decoder.newCache()
    const out = model.prefill(ref.tensor('pixel_values').data, ids, cache, { logits: 'all' })
    expect(maxAbsDiff(out.logits, ref.tensor('logits').data)).toBeLessThan(1e-4)
    expect(cache.lengths()).toEqual(ref.json.cache_lengths)
    expect([...out.tokens.modality].every((m) => m !== MODALITY.image)).toBe(true)
    expect(cache.nextPosition).toBe(model.promptLength(ids.length))
  })

  it('generates the reference greedy tokens on the reduced cache', async () => {
    const { model, ref } = await vlm()
    const ids = ref.json.input_ids as number[]
    const cache = model.decoder.newCache()
    let out = model.prefill(ref.tensor('pixel_values').data, ids, cache)
    const v = model.decoder.vocabSize
    const gl = ref.tensor('greedy_logits').data
    for (const [step, tok] of (ref.json.greedy_tokens as number[]).entries()) {
      expect(maxAbsDiff(out.logits, gl.subarray(step * v, (step + 1) * v))).toBeLessThan(1e-4)
      out = model.decoder.forward(model.decoder.embed([tok]), freshTokens(1, cache.nextPosition), {
        cache,
        stage: 'decode',
      })
    }
  })

  it('gives hooks the attention probabilities they ask for, with the modality of every key', async () => {
    const { model, ref } = await vlm()
    const ids = ref.json.input_ids as number[]
    let seen: { probs: Float32Array; keys: number; imageKeys: number } | undefined
    const probe: LayerHook = {
      wantsAttention: (layer) => layer === 0,
      afterAttention(ctx) {
        if (ctx.layer === 0 && ctx.attention) {
          const a = ctx.attention
          seen = {
            probs: a.probs,
            keys: a.keys,
            imageKeys: [...a.keyTokens.modality].filter((m) => m === MODALITY.image).length,
          }
        }
        return undefined
      },
    }
    model.prefill(ref.tensor('pixel_values').data, ids, model.decoder.newCache(), {
      hooks: [probe],
      dropVisualTokens: false,
    })
    expect(seen!.imageKeys).toBe(16)
    expect(maxAbsDiff(seen!.probs, ref.tensor('attention_probs_layer0').data)).toBeLessThan(1e-5)
  })

  it('refuses a hook that returns more tokens than it got', async () => {
    const { model, ref } = await vlm()
    const bad: LayerHook = {
      afterLayer: (ctx) => ({
        hidden: new Float32Array(ctx.hidden.length + ctx.dim),
        tokens: freshTokens(ctx.tokens.positions.length + 1),
      }),
    }
    expect(() =>
      model.prefill(ref.tensor('pixel_values').data, [1, 5], model.decoder.newCache(), { hooks: [bad] }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_HOOK_RESULT' }))
  })

  it('refuses a question that does not fit the context', async () => {
    const { model, ref } = await vlm()
    const ids = new Array(90).fill(5)
    expect(() => model.prefill(ref.tensor('pixel_values').data, ids, model.decoder.newCache())).toThrow(
      expect.objectContaining({ code: 'CONTEXT_OVERFLOW' }),
    )
  })
})

describe('VLM prompt template', () => {
  it('puts the question into the config template, and refuses a template without {question}', async () => {
    expect(vqaPrompt('Question: {question} Answer:', 'how many?')).toBe('Question: how many? Answer:')
    expect(vqaPrompt(undefined, 'how many?')).toBe('how many?')
    const c = JSON.parse(readFileSync(`${FIXTURES_DIR}vlm/config.json`, 'utf8'))
    c.prompt_template = 'Q: A:'
    expect(() => parseConfig(c)).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        message: expect.stringContaining('prompt_template'),
      }),
    )
  })
})
