import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fitPcaRotation } from '@frugal/ann'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ModelError } from './errors.ts'
import {
  referenceEmbedding,
  TINY_HIDDEN,
  TINY_VOCAB,
  type TinyWeights,
  writeTinyBert,
} from './tiny-bert-fixture-node.ts'
import { TransformersEmbedder } from './transformers-node.ts'

let dir: string
let weights: TinyWeights
let embedder: TransformersEmbedder

const id = (t: string) => TINY_VOCAB.indexOf(t)
const unit = (v: Float32Array) => {
  const n = Math.hypot(...v)
  return v.map((x) => x / n)
}

beforeAll(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'frugal-models-')), 'tiny-bert')
  weights = await writeTinyBert(dir)
  embedder = await TransformersEmbedder.load(dir)
})

afterAll(async () => {
  await embedder?.dispose()
  await rm(dir, { recursive: true, force: true })
})

describe('TransformersEmbedder', () => {
  it('mean-pools the model output of a locally generated model, matching a direct computation', async () => {
    expect(embedder.hiddenSize).toBe(TINY_HIDDEN)
    // "The cats sat" → [CLS] the cat ##s sat [SEP]; the second text is shorter (padding in the batch).
    const out = await embedder.embed(['The cats sat', 'dog'])
    expect(out).toHaveLength(2 * TINY_HIDDEN)
    const a = unit(
      referenceEmbedding(weights, [id('[CLS]'), id('the'), id('cat'), id('##s'), id('sat'), id('[SEP]')]),
    )
    const b = unit(referenceEmbedding(weights, [id('[CLS]'), id('dog'), id('[SEP]')]))
    for (let c = 0; c < TINY_HIDDEN; c++) {
      expect(out[c]).toBeCloseTo(a[c]!, 5)
      expect(out[TINY_HIDDEN + c]).toBeCloseTo(b[c]!, 5)
    }
  })

  it('truncates Matryoshka-style to a renormalised prefix, optionally after a PCA rotation', async () => {
    const short = await TransformersEmbedder.load(dir, { dims: 3 })
    const full = await embedder.embedOne('cat on the mat')
    const prefix = await short.embedOne('cat on the mat')
    const norm = Math.hypot(full[0]!, full[1]!, full[2]!)
    expect([...prefix].map((x) => x.toFixed(5))).toEqual([0, 1, 2].map((c) => (full[c]! / norm).toFixed(5)))
    const texts = [
      'cat',
      'dog ran',
      'the park',
      'tax',
      'rail on the mat',
      'cats in the park',
      'dog sat',
      'the mat',
    ]
    const base = await embedder.embed(texts)
    const rotation = fitPcaRotation(base, texts.length, TINY_HIDDEN)
    const rotated = await TransformersEmbedder.load(dir, { rotation, dims: 2 })
    const r = await rotated.embed(texts)
    for (let i = 0; i < texts.length; i++) expect(Math.hypot(r[2 * i]!, r[2 * i + 1]!)).toBeCloseTo(1, 5)
    await short.dispose()
    await rotated.dispose()
  })

  it('refuses an incomplete model folder and impossible dims without touching the network', async () => {
    await expect(TransformersEmbedder.load(join(dir, 'missing'))).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
    })
    await expect(TransformersEmbedder.load(dir, { dims: 99 })).rejects.toBeInstanceOf(ModelError)
  })
})
