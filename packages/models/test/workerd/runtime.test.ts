import { describe, expect, it } from 'vitest'
import elmConfig from '../../fixtures/openelm/config.json' with { type: 'json' }
import elmWeights from '../../fixtures/openelm/model.safetensors'
import reference from '../../fixtures/openelm/reference.json' with { type: 'json' }
import tokenizerJson from '../../fixtures/openelm/tokenizer.json' with { type: 'json' }
import vlmConfig from '../../fixtures/vlm/config.json' with { type: 'json' }
import vlmWeights from '../../fixtures/vlm/model.safetensors'
import vlmReference from '../../fixtures/vlm/reference.json' with { type: 'json' }
import { generate } from '../../src/generate.ts'
import { loadModel } from '../../src/loader.ts'
import { parseReductionSpec } from '../../src/reduction-spec.ts'
import { planReductions } from '../../src/reductions.ts'
import { freshTokens } from '../../src/tokens.ts'

describe('the native runtime inside workerd', () => {
  it('tokenizes with @huggingface/tokenizers unpatched and generates the PyTorch greedy tokens', async () => {
    const m = loadModel({ config: elmConfig, weights: elmWeights, tokenizer: tokenizerJson })
    if (m.arch !== 'openelm') throw new Error('not openelm')
    const ids = m.tokenizer!.encode(reference.text).ids
    expect(ids).toEqual(reference.input_ids)
    const model = m.model
    const gen = generate(
      model,
      (flops) => {
        const cache = model.newCache()
        return {
          logits: model.forward(model.embed(ids), freshTokens(ids.length), { cache, flops }).logits,
          cache,
        }
      },
      { promptTokens: ids.length, tokenizer: m.tokenizer },
      { maxTokens: reference.greedy_tokens.length, stopTokens: [] },
    )
    await gen.complete()
    expect(gen.ids).toEqual(reference.greedy_tokens)
  })

  it('runs the VLM with a visual-token drop and PuMer hooks over @frugal/compress', () => {
    const m = loadModel({ config: vlmConfig, weights: vlmWeights })
    if (m.arch !== 'frugal_vlm') throw new Error('not vlm')
    const pixels = new Float32Array(3 * 32 * 32).map((_, i) => Math.sin(i) * 0.9)
    const plan = planReductions(parseReductionSpec('victor+pumer:keep=0.5,merge=0.25,layers=0'), {
      visionLayers: m.model.vision.numLayers,
      decoderLayers: m.model.decoder.numLayers,
      canDropVisual: true,
    })
    const cache = m.model.decoder.newCache()
    m.model.prefill(pixels, vlmReference.input_ids, cache, {
      hooks: plan.decoderHooks,
      dropVisualTokens: plan.dropVisualTokens,
      proportionalAttention: plan.proportionalAttention,
    })
    const n = 16 + 2 + vlmReference.input_ids.length
    expect(cache.lengths()).toEqual([n, n - 16, n - 16])
  })
})
