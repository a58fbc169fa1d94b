import { describe, expect, it } from 'vitest'
import { fixtureReference, loadFixture } from './fixtures-node.ts'
import { generate, sampleToken } from './generate.ts'
import { mulberry32 } from './random.ts'
import { freshTokens } from './tokens.ts'

async function setup() {
  const m = await loadFixture('openelm')
  if (m.arch !== 'openelm') throw new Error('not openelm')
  const ids = fixtureReference('openelm').json.input_ids as number[]
  const model = m.model
  const start = () =>
    generate(
      model,
      (flops) => {
        const cache = model.newCache()
        const out = model.forward(model.embed(ids), freshTokens(ids.length), { cache, flops })
        return { logits: out.logits, cache }
      },
      { promptTokens: ids.length, tokenizer: m.tokenizer },
      {},
    )
  return { model, ids, tokenizer: m.tokenizer!, start }
}

describe('sampleToken', () => {
  const logits = new Float32Array([0.1, 3, 2.9, -1])
  it('is greedy at temperature 0 and with top-k 1', () => {
    expect(sampleToken(logits, {}, Math.random)).toBe(1)
    expect(sampleToken(logits, { temperature: 5, topK: 1 }, Math.random)).toBe(1)
  })
  it('samples only inside the nucleus and follows the distribution', () => {
    const u = mulberry32(3)
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 4000; i++) counts[sampleToken(logits, { temperature: 1, topP: 0.9 }, u)]!++
    expect(counts[3]).toBe(0)
    expect(counts[0]).toBe(0)
    expect(counts[1]! / counts[2]!).toBeGreaterThan(0.95)
    expect(counts[1]! / counts[2]!).toBeLessThan(1.25)
  })
})

describe('generate', () => {
  it('streams the reference greedy tokens and its text is the decoded ids', async () => {
    const { model, ids, tokenizer } = await setup()
    const want = fixtureReference('openelm').json.greedy_tokens as number[]
    const gen = generate(
      model,
      (flops) => {
        const cache = model.newCache()
        return {
          logits: model.forward(model.embed(ids), freshTokens(ids.length), { cache, flops }).logits,
          cache,
        }
      },
      { promptTokens: ids.length, tokenizer },
      { maxTokens: want.length, stopTokens: [] },
    )
    let streamed = ''
    for await (const t of gen) streamed += t.text
    expect(gen.ids).toEqual(want)
    expect(streamed).toBe(gen.text)
    expect(gen.text).toBe(tokenizer.decode(want))
    expect(gen.stats.generatedTokens).toBe(want.length)
    expect(gen.stats.prefillFlops).toBeGreaterThan(gen.stats.decodeFlops / want.length)
    expect(gen.stats.decodeFlops).toBeGreaterThan(0)
  })

  it('gives the same tokens for the same seed and others for another seed', async () => {
    const { model, ids } = await setup()
    const run = async (seed: number) => {
      const g = generate(
        model,
        (flops) => {
          const cache = model.newCache()
          return {
            logits: model.forward(model.embed(ids), freshTokens(ids.length), { cache, flops }).logits,
            cache,
          }
        },
        { promptTokens: ids.length },
        { maxTokens: 12, temperature: 1.5, seed, stopTokens: [] },
      )
      await g.complete()
      return g.ids
    }
    expect(await run(7)).toEqual(await run(7))
    expect(await run(7)).not.toEqual(await run(8))
  })

  it('stops at a stop sequence and cuts the text before it', async () => {
    const { model, ids, tokenizer } = await setup()
    const full = generate(
      model,
      (flops) => {
        const cache = model.newCache()
        return {
          logits: model.forward(model.embed(ids), freshTokens(ids.length), { cache, flops }).logits,
          cache,
        }
      },
      { promptTokens: ids.length, tokenizer },
      { maxTokens: 10, stopTokens: [] },
    )
    const text = await full.complete()
    const stop = text.slice(3, 5)
    const cut = generate(
      model,
      (flops) => {
        const cache = model.newCache()
        return {
          logits: model.forward(model.embed(ids), freshTokens(ids.length), { cache, flops }).logits,
          cache,
        }
      },
      { promptTokens: ids.length, tokenizer },
      { maxTokens: 10, stopTokens: [], stop: [stop] },
    )
    expect(await cut.complete()).toBe(text.slice(0, text.indexOf(stop)))
    expect(cut.stats.finishReason).toBe('stop')
  })

  it('refuses bad sampling options with INVALID_ARGUMENT', async () => {
    const { start } = await setup()
    expect(start).not.toThrow()
    const { model, ids } = await setup()
    for (const opts of [{ maxTokens: -1 }, { temperature: -1 }, { topK: 0 }, { topP: 0 }, { topP: 1.5 }]) {
      expect(() =>
        generate(
          model,
          () => ({ logits: new Float32Array(1), cache: model.newCache() }),
          { promptTokens: ids.length },
          opts,
        ),
      ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    }
  })
})
