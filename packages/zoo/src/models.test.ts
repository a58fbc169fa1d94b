// The trained models of the zoo, loaded by the TypeScript runtime (@frugal/models) from their files.
import { join } from 'node:path'
import { argmax, freshTokens, generate, kvPredictionPrefill } from '@frugal/models'
import { findKvPredictorDir, loadModelDir } from '@frugal/models/node'
import { describe, expect, it } from 'vitest'
import apt40Reference from './apt40-reference.json' with { type: 'json' }
import apt60Reference from './apt60-reference.json' with { type: 'json' }
import { zooModels } from './index.ts'
import { ZOO_DIR } from './node.ts'

const models = zooModels()
const has = (name: string) => models.some((m) => m.name === name)

describe('zoo models in the runtime', () => {
  it.each(models.map((m) => [m.name, m] as const))(
    '%s loads with the parameters the index states',
    async (_, m) => {
      const loaded = await loadModelDir(join(ZOO_DIR, m.name))
      expect(loaded.parameters).toBe(m.parameters)
      expect(loaded.arch).toBe(m.architecture)
    },
  )

  // Structurally pruned classifiers (APT: `pruned_heads`, `intermediate_sizes`) against PyTorch run on
  // the same f16-rounded weights in f32 (`python3 -m training.apt_reference`).
  it.each([
    ['frugal-enc-spam-apt40', apt40Reference],
    ['frugal-enc-spam-apt60', apt60Reference],
  ] as const)('%s classifies spam-like and ham-like text with the logits of PyTorch', async (name, ref) => {
    const m = await loadModelDir(join(ZOO_DIR, name))
    if (m.arch !== 'bert' || !m.tokenizer) throw new Error(`${name} is not a BERT with a tokenizer`)
    expect(m.config.pruned_heads).toBeDefined()
    expect(m.config.intermediate_sizes).toHaveLength(m.config.num_hidden_layers)
    let worst = 0
    for (const c of ref.cases) {
      const ids = Array.from(m.tokenizer.encode(c.text, {}).ids)
      expect(ids).toEqual(c.ids)
      const out = m.model.forward({ ids })
      const logits = out.logits ?? new Float32Array()
      expect(logits).toHaveLength(c.logits.length)
      for (const [j, v] of logits.entries()) worst = Math.max(worst, Math.abs(v - c.logits[j]!))
      expect(argmax(logits)).toBe(argmax(Float32Array.from(c.logits)))
    }
    expect(worst).toBeLessThan(1e-4)
  })

  it.skipIf(!has('frugal-elm-base'))('frugal-elm-base generates text from a prompt', async () => {
    const m = await loadModelDir(join(ZOO_DIR, 'frugal-elm-base'))
    if (m.arch !== 'openelm' || !m.tokenizer)
      throw new Error('frugal-elm-base is not an OpenELM with a tokenizer')
    const model = m.model
    const ids = Array.from(
      m.tokenizer.encode('Fellow-Citizens of the Senate and House of Representatives:', {}).ids,
    )
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
      { maxTokens: 12, stopTokens: [] },
    )
    await gen.complete()
    expect(gen.ids.length).toBe(12)
    expect(gen.text.trim().length).toBeGreaterThan(0)
  })

  it.skipIf(
    !has('frugal-elm-base') || !has('frugal-elm-aux') || !models.some((m) => m.task === 'kv-predictor'),
  )(
    'KV Prediction: the predictor is found from the pair and the base generates from the predicted cache',
    async () => {
      const dir = await findKvPredictorDir('frugal-elm-base', 'frugal-elm-aux', [ZOO_DIR])
      const [b, a, p] = await Promise.all([
        loadModelDir(join(ZOO_DIR, 'frugal-elm-base')),
        loadModelDir(join(ZOO_DIR, 'frugal-elm-aux')),
        loadModelDir(dir),
      ])
      if (b.arch !== 'openelm' || a.arch !== 'openelm' || p.arch !== 'kv_predictor' || !b.tokenizer) {
        throw new Error('unexpected architectures')
      }
      const ids = Array.from(b.tokenizer.encode('The state of the Union is', {}).ids)
      const gen = generate(
        b.model,
        () => kvPredictionPrefill(b.model, a.model, p.model, ids),
        {
          promptTokens: ids.length,
          tokenizer: b.tokenizer,
        },
        { maxTokens: 8, stopTokens: [] },
      )
      await gen.complete()
      expect(gen.ids.length).toBe(8)
      expect(gen.ids.every((t) => t >= 0 && t < b.model.vocabSize)).toBe(true)
    },
  )
})
