import { describe, expect, it } from 'vitest'
import { fixtureReference, loadFixture, maxAbsDiff } from './fixtures-node.ts'
import type { LayerHook } from './hooks.ts'
import { selectTokens } from './tokens.ts'

function flat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((a, x) => a + x.length, 0))
  let at = 0
  for (const a of arrays) {
    out.set(a, at)
    at += a.length
  }
  return out
}

describe('BERT parity with the PyTorch reference', () => {
  it.each([
    ['bert-classifier', 'logits'],
    ['bert-reader', 'start_logits'],
    ['bert-embedder', 'embedding'],
  ] as const)('%s: hidden states of every layer and the head output', async (name, key) => {
    const m = await loadFixture(name)
    if (m.arch !== 'bert') throw new Error('not bert')
    const ref = fixtureReference(name)
    const ids = ref.json.input_ids as number[]
    expect(m.tokenizer!.encode(ref.json.text as string).ids).toEqual(ids)
    const out = m.model.forward({ ids, typeIds: ref.json.token_type_ids as number[] }, { hiddenStates: true })
    expect(maxAbsDiff(flat(out.hiddenStates!), ref.tensor('hidden_states').data)).toBeLessThan(1e-4)
    const got = key === 'logits' ? out.logits : key === 'start_logits' ? out.startLogits : out.embedding
    expect(maxAbsDiff(got!, ref.tensor(key).data)).toBeLessThan(1e-4)
    if (key === 'start_logits')
      expect(maxAbsDiff(out.endLogits!, ref.tensor('end_logits').data)).toBeLessThan(1e-4)
  })

  it('gives Matryoshka prefixes of unit length', async () => {
    const m = await loadFixture('bert-embedder')
    if (m.arch !== 'bert') throw new Error('not bert')
    const e = m.model.forward({ ids: [1, 50, 60, 2] }).embedding!
    for (const d of m.config.matryoshka_dims!) {
      const p = m.model.matryoshka(e, d)
      expect(p).toHaveLength(d)
      expect(Math.hypot(...p)).toBeCloseTo(1, 5)
    }
    expect(() => m.model.matryoshka(e, 999)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })

  it('masks padding: real tokens read the same with trailing pads masked out', async () => {
    const m = await loadFixture('bert-reader')
    if (m.arch !== 'bert') throw new Error('not bert')
    const ids = fixtureReference('bert-reader').json.input_ids as number[]
    const plain = m.model.forward({ ids })
    const padded = m.model.forward({ ids: [...ids, 0, 0, 0], attentionMask: [...ids.map(() => 1), 0, 0, 0] })
    expect(maxAbsDiff(padded.startLogits!.subarray(0, ids.length), plain.startLogits!)).toBeLessThan(1e-5)
    const unmasked = m.model.forward({ ids: [...ids, 0, 0, 0] })
    expect(maxAbsDiff(unmasked.startLogits!.subarray(0, ids.length), plain.startLogits!)).toBeGreaterThan(
      1e-3,
    )
    expect(() => m.model.forward({ ids, attentionMask: [1] })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })

  it('refuses token ids outside the vocabulary and inputs longer than the positions', async () => {
    const m = await loadFixture('bert-classifier')
    if (m.arch !== 'bert') throw new Error('not bert')
    expect(() => m.model.forward({ ids: [1, 5000] })).toThrow(
      expect.objectContaining({ code: 'TOKEN_OUT_OF_RANGE' }),
    )
    expect(() => m.model.forward({ ids: new Array(65).fill(5) })).toThrow(
      expect.objectContaining({ code: 'CONTEXT_OVERFLOW' }),
    )
  })
})

describe('ViT parity with the PyTorch reference', () => {
  it('gives the reference hidden states and classifier logits', async () => {
    const m = await loadFixture('vit')
    if (m.arch !== 'vit') throw new Error('not vit')
    const ref = fixtureReference('vit')
    const out = m.model.forward(ref.tensor('pixel_values').data, { hiddenStates: true })
    expect(maxAbsDiff(flat(out.hiddenStates!), ref.tensor('hidden_states').data)).toBeLessThan(1e-4)
    expect(maxAbsDiff(out.logits!, ref.tensor('logits').data)).toBeLessThan(1e-4)
  })

  it('passes fewer tokens on when a hook drops some, and spends fewer FLOPs', async () => {
    const m = await loadFixture('vit')
    if (m.arch !== 'vit') throw new Error('not vit')
    const pixels = fixtureReference('vit').tensor('pixel_values').data
    const seen: number[] = []
    const dropHalf: LayerHook = {
      afterAttention(ctx) {
        seen.push(ctx.tokens.positions.length)
        if (ctx.layer !== 0) return undefined
        const keep = Array.from({ length: 9 }, (_, i) => i)
        return selectTokens(ctx.hidden, ctx.dim, ctx.tokens, keep)
      },
    }
    const full = m.model.forward(pixels)
    const reduced = m.model.forward(pixels, { hooks: [dropHalf] })
    expect(seen).toEqual([17, 9])
    expect(reduced.tokens.positions).toEqual(Int32Array.from({ length: 9 }, (_, i) => i))
    expect(reduced.lastHidden).toHaveLength(9 * 16)
    expect(reduced.flops.total).toBeLessThan(full.flops.total)
  })

  it('refuses an image of the wrong size', async () => {
    const m = await loadFixture('vit')
    if (m.arch !== 'vit') throw new Error('not vit')
    expect(() => m.model.forward(new Float32Array(10))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})

describe('CLIP parity with the PyTorch reference', () => {
  it('gives the reference text and image embeddings and logits', async () => {
    const m = await loadFixture('clip')
    if (m.arch !== 'clip') throw new Error('not clip')
    const ref = fixtureReference('clip')
    const texts = ref.json.texts as string[]
    const ids = ref.json.input_ids as number[][]
    for (const [i, t] of texts.entries()) expect(m.tokenizer!.encode(t).ids).toEqual(ids[i])
    const text = flat(ids.map((x) => m.model.encodeText(x)))
    expect(maxAbsDiff(text, ref.tensor('text_embeds').data)).toBeLessThan(1e-4)
    const pixels = ref.tensor('pixel_values')
    const per = pixels.data.length / 2
    const images = [0, 1].map((i) => m.model.encodeImage(pixels.data.subarray(i * per, (i + 1) * per)))
    expect(maxAbsDiff(flat(images), ref.tensor('image_embeds').data)).toBeLessThan(1e-4)
    const logits = images.flatMap((im) =>
      ids.map((_, j) => m.model.similarity(im, text.subarray(j * 16, (j + 1) * 16))),
    )
    expect(maxAbsDiff(logits, ref.tensor('logits_per_image').data)).toBeLessThan(1e-4)
  })
})
