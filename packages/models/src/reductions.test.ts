import { describe, expect, it } from 'vitest'
import { fixtureReference, loadFixture, maxAbsDiff } from './fixtures-node.ts'
import type { LayerHook } from './hooks.ts'
import { parseReductionSpec } from './reduction-spec.ts'
import { planReductions, pumerHook, tomeHook } from './reductions.ts'
import { freshTokens, MODALITY } from './tokens.ts'

describe('parseReductionSpec', () => {
  it('parses every method, with and without layers, and combinations', () => {
    expect(parseReductionSpec('none')).toEqual({ victor: false })
    expect(parseReductionSpec('tome:r=8')).toEqual({ victor: false, tome: { r: 8, layers: undefined } })
    expect(parseReductionSpec('pumer:keep=0.7,merge=0.3,layers=6,2,4')).toEqual({
      victor: false,
      pumer: { keep: 0.7, merge: 0.3, text: 0, layers: [2, 4, 6] },
    })
    expect(parseReductionSpec('victor+tome:r=4,layers=0,1')).toEqual({
      victor: true,
      tome: { r: 4, layers: [0, 1] },
    })
  })

  it.each([
    ['', 'empty'],
    ['fast', 'unknown method'],
    ['tome', 'r is required'],
    ['tome:r=-1', 'non-negative integer'],
    ['tome:r=2.5', 'non-negative integer'],
    ['tome:r=0', 'at least 1'],
    ['tome:r=8,x=1', 'unknown parameter'],
    ['pumer:keep=0.7', 'keep and merge are required'],
    ['pumer:keep=1.5,merge=0.1', 'in [0, 1]'],
    ['pumer:keep=0.5,merge=0.7', 'exceeds keep'],
    ['pumer:keep=0.7,merge=0.3,layers=', 'non-negative integer'],
    ['pumer:keep=0.7,merge=0.3,layers=2,2', 'repeat'],
    ['victor:k=3', 'no parameters'],
    ['victor+victor', 'twice'],
    ['none+victor', 'cannot be combined'],
  ])('refuses %j (%s) with INVALID_REDUCTION', (spec, why) => {
    expect(() => parseReductionSpec(spec)).toThrow(expect.objectContaining({ code: 'INVALID_REDUCTION' }))
    expect(() => parseReductionSpec(spec)).toThrow(why)
  })

  it('refuses parts a model cannot run', () => {
    const vit = { visionLayers: 2, decoderLayers: 0, canDropVisual: false }
    expect(() => planReductions(parseReductionSpec('victor'), vit)).toThrow('registers')
    expect(() => planReductions(parseReductionSpec('pumer:keep=0.5,merge=0.1'), vit)).toThrow('decoder')
    expect(() => planReductions(parseReductionSpec('tome:r=2,layers=5'), vit)).toThrow('beyond')
    expect(() => planReductions(parseReductionSpec('tome:r=2'), { ...vit, visionLayers: 0 })).toThrow(
      'vision tower',
    )
  })
})

describe('reducers through hooks', () => {
  it('ToMe at r=0 leaves the ViT output unchanged; at r=4 the sizes add up to the input tokens', async () => {
    const m = await loadFixture('vit')
    if (m.arch !== 'vit') throw new Error('not vit')
    const pixels = fixtureReference('vit').tensor('pixel_values').data
    const plain = m.model.forward(pixels)
    const zero = m.model.forward(pixels, { hooks: [tomeHook({ r: 0 })], proportionalAttention: true })
    expect(maxAbsDiff(zero.logits!, plain.logits!)).toBe(0)
    const merged = m.model.forward(pixels, { hooks: [tomeHook({ r: 4 })], proportionalAttention: true })
    expect(merged.tokens.positions.length).toBe(17 - 8)
    expect(merged.tokens.sizes.reduce((a, b) => a + b, 0)).toBe(17)
    expect(merged.tokens.positions[0]).toBe(0)
    expect(merged.flops.total).toBeLessThan(plain.flops.total)
  })

  it('PuMer keeping every image token and merging none equals the plain VLM', async () => {
    const m = await loadFixture('vlm')
    if (m.arch !== 'frugal_vlm') throw new Error('not vlm')
    const ref = fixtureReference('vlm')
    const ids = ref.json.input_ids as number[]
    const pixels = ref.tensor('pixel_values').data
    const hook = pumerHook({ keep: 1, merge: 0, text: 0, layers: [0, 1] })
    const out = m.model.prefill(pixels, ids, m.model.decoder.newCache(), {
      hooks: [hook],
      dropVisualTokens: false,
      logits: 'all',
    })
    expect(maxAbsDiff(out.logits, ref.tensor('logits_no_drop').data)).toBeLessThan(1e-4)
  })

  it('PuMer prunes and merges image tokens after its layer; later layers cache fewer tokens', async () => {
    const m = await loadFixture('vlm')
    if (m.arch !== 'frugal_vlm') throw new Error('not vlm')
    const ref = fixtureReference('vlm')
    const ids = ref.json.input_ids as number[]
    const cache = m.model.decoder.newCache()
    const hooks: LayerHook[] = [pumerHook({ keep: 0.5, merge: 0.25, text: 0, layers: [0] })]
    const out = m.model.prefill(ref.tensor('pixel_values').data, ids, cache, {
      hooks,
      dropVisualTokens: false,
      proportionalAttention: true,
    })
    const images = [...out.tokens.modality].filter((x) => x === MODALITY.image).length
    // 8 of 16 pruned; round(0.25·16) = 4 merges asked, ToMe's cap allows ⌊(8 − 1 protected) / 2⌋ = 3.
    expect(images).toBe(16 - 8 - 3)
    const n = 16 + 2 + ids.length
    expect(cache.lengths()).toEqual([n, n - 11, n - 11])
    // A merged token sits at its earliest source's position; attention masks and RoPE go by position.
    expect(new Set(out.tokens.positions).size).toBe(out.tokens.positions.length)
    expect(out.tokens.sizes.reduce((a, b) => a + b, 0)).toBe(n - 8)
  })
})

describe('proportional attention on a reduced cache', () => {
  it('decode steps keep weighing merged cached tokens by their size', async () => {
    const m = await loadFixture('vlm')
    if (m.arch !== 'frugal_vlm') throw new Error('not vlm')
    const ref = fixtureReference('vlm')
    const ids = ref.json.input_ids as number[]
    const step = (proportional: boolean | undefined) => {
      const cache = m.model.decoder.newCache()
      m.model.prefill(ref.tensor('pixel_values').data, ids, cache, {
        hooks: [pumerHook({ keep: 1, merge: 0.5, text: 0, layers: [0] })],
        dropVisualTokens: false,
        proportionalAttention: true,
      })
      expect(cache.proportionalAttention).toBe(true)
      const d = m.model.decoder
      return d.forward(d.embed([5]), freshTokens(1, cache.nextPosition), {
        cache,
        proportionalAttention: proportional,
      }).logits
    }
    expect(maxAbsDiff(step(undefined), step(true))).toBe(0)
    expect(maxAbsDiff(step(undefined), step(false))).toBeGreaterThan(1e-6)
  })
})
