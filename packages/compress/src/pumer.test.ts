import { describe, expect, it } from 'vitest'
import { CompressError } from './errors.ts'
import { PUMER_DEFAULTS, pumerLayers, pumerReduce, textToImageScores } from './pumer.ts'
import { reduceLabels, reduceRows, reduceSizes } from './reduction.ts'
import { randomArray } from './test-util.ts'

describe('textToImageScores', () => {
  it('averages text→image attention over heads and divides by the text length', () => {
    // 2 heads, 3 tokens: token 0 is text, tokens 1, 2 are image.
    const a = new Float32Array(2 * 9)
    a.set([0.2, 0.3, 0.5], 0) // head 0, query row 0
    a.set([0.4, 0.5, 0.1], 9) // head 1, query row 0
    const s = textToImageScores(a, 2, 3, [0], [1, 2])
    expect(s[0]).toBeCloseTo(0.4, 6)
    expect(s[1]).toBeCloseTo(0.3, 6)
    expect(textToImageScores(a, 2, 3, [0], [1, 2], 2)[0]).toBeCloseTo(0.2, 6)
  })
})

describe('pumerReduce', () => {
  // Tokens 0-2 text, 3-8 image; image metric rows make token 7 closest to token 8.
  const modality = new Uint8Array([0, 0, 0, 1, 1, 1, 1, 1, 1])
  const metric = new Float32Array([1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0.1])
  const scores = new Float32Array([0.1, 0.5, 0.3, 0.05, 0.4, 0.2])

  it('prunes the least-attended image tokens and merges among the kept ones (hand-checked)', () => {
    const red = pumerReduce({
      tokens: 9,
      metric,
      metricDim: 2,
      modality,
      imageScores: scores,
      prune: 0.34,
      merge: 0.34,
      mergeText: 0,
    })
    // Dropped: tokens 3 (0.1) and 6 (0.05). Kept 4, 5, 7, 8 with 4 (top score) protected, so
    // only one merge fits: A = {4, 7}, B = {5, 8}; 7 goes into 8 (cosine 0.995).
    expect(Array.from(red.target)).toEqual([0, 1, 2, -1, 3, 4, -1, 5, 5])
    expect(Array.from(reduceLabels(red, modality))).toEqual([0, 0, 0, 1, 1, 1])
    expect(Array.from(reduceSizes(red))).toEqual([1, 1, 1, 1, 1, 2])
  })

  it('merges text tokens among themselves, keeping the first one', () => {
    const red = pumerReduce({
      tokens: 9,
      metric,
      metricDim: 2,
      modality,
      imageScores: scores,
      prune: 0,
      merge: 0,
      mergeText: 0.34,
    })
    // Text: A = {0, 2}, B = {1}; token 0 protected, so token 2 goes into token 1.
    expect(Array.from(red.target)).toEqual([0, 1, 1, 2, 3, 4, 5, 6, 7])
  })

  it('is the identity at zero reduction', () => {
    const red = pumerReduce({
      tokens: 9,
      metric,
      metricDim: 2,
      modality,
      imageScores: scores,
      prune: 0,
      merge: 0,
      mergeText: 0,
    })
    expect(Array.from(red.target)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
    const x = randomArray(9 * 3, 1)
    expect(reduceRows(red, x, 3)).toEqual(x)
  })

  it('never mixes modalities and keeps the counts of the reference at default ratios', () => {
    const tokens = 60
    const mod = new Uint8Array(tokens)
    for (let i = 10; i < 50; i++) mod[i] = 1
    for (let i = 50; i < 58; i++) mod[i] = 2 // registers pass through
    const red = pumerReduce({
      tokens,
      metric: randomArray(tokens * 4, 2),
      metricDim: 4,
      modality: mod,
      imageScores: randomArray(40, 3),
    })
    reduceLabels(red, mod) // throws if a merge mixed modalities
    let image = 0
    let text = 0
    let registers = 0
    for (let i = 0; i < tokens; i++) {
      if (red.target[i] === -1) continue
      if (mod[i] === 1) image++
      else if (mod[i] === 2) registers++
      else text++
    }
    // keep = 40 - round(0.1·40) = 36 image tokens survive pruning, round(0.3·40) = 12 of them merge.
    const out = reduceLabels(red, mod)
    expect(image).toBe(36)
    expect(out.filter((m) => m === 1).length).toBe(36 - 12)
    expect(out.filter((m) => m === 0).length).toBe(12 - Math.round(0.2 * 12))
    expect(registers).toBe(8)
    expect(text).toBe(12)
  })

  it('refuses bad ratios and shapes', () => {
    const base = { tokens: 9, metric, metricDim: 2, modality, imageScores: scores }
    expect(() => pumerReduce({ ...base, prune: 1.5 })).toThrow(CompressError)
    expect(() => pumerReduce({ ...base, imageScores: new Float32Array(5) })).toThrowError(/imageScores/)
    expect(() => pumerReduce({ ...base, modality: new Uint8Array(8) })).toThrowError(/modality/)
  })
})

describe('pumerLayers', () => {
  it('is 2/5/8 on 12 layers and the same relative depths elsewhere', () => {
    expect(pumerLayers(12)).toEqual([...PUMER_DEFAULTS.layers])
    expect(pumerLayers(6)).toEqual([1, 3, 4])
    expect(pumerLayers(1)).toEqual([0])
  })
})
