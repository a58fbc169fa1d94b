import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureReference, loadFixture, maxAbsDiff } from '../fixtures-node.ts'
import type { OpenElm } from '../openelm.ts'
import { freshTokens } from '../tokens.ts'
import { kernels, tsKernels } from './index.ts'
import { enableWasmKernels } from './wasm-node.ts'

// Whole models on the WASM kernels against the PyTorch reference (the same bounds as the TS kernels).
describe('models on the WASM kernels', () => {
  let restore: () => void
  beforeAll(async () => {
    restore = await enableWasmKernels()
  })
  afterAll(() => restore())

  it('swapped the dispatch for every op', () => {
    for (const op of Object.keys(tsKernels) as (keyof typeof tsKernels)[])
      expect(kernels[op]).not.toBe(tsKernels[op])
  })

  it('OpenELM: reference logits for the prompt and for cached decoding', async () => {
    const m = await loadFixture('openelm')
    if (m.arch !== 'openelm') throw new Error('not openelm')
    const model: OpenElm = m.model
    const ref = fixtureReference('openelm')
    const ids = ref.json.input_ids as number[]
    const split = ref.json.prefill_split as number
    const full = ref.tensor('logits').data
    const v = model.vocabSize
    const all = model.forward(model.embed(ids), freshTokens(ids.length), { logits: 'all' })
    expect(maxAbsDiff(all.logits, full)).toBeLessThan(1e-4)
    const cache = model.newCache()
    model.forward(model.embed(ids.slice(0, split)), freshTokens(split), { cache })
    for (let t = split; t < ids.length; t++) {
      const o = model.forward(model.embed([ids[t]!]), freshTokens(1, cache.nextPosition), { cache })
      expect(maxAbsDiff(o.logits, full.subarray(t * v, (t + 1) * v))).toBeLessThan(1e-4)
    }
  })
})
