import { describe, expect, it } from 'vitest'
import { CompressError } from './errors.ts'
import {
  composeOrigin,
  identityOrigin,
  proportionalAttentionBias,
  reduceMin,
  reduceRows,
  reduceSizes,
  sourcesOf,
} from './reduction.ts'
import { randomArray } from './test-util.ts'
import { bipartiteSoftMatching, meanOverHeads, tomeMerge, tomeSchedule } from './tome.ts'

// Six tokens in 2-D: even tokens 0, 2, 4 are the A set, odd tokens 1, 3, 5 the B set.
// Cosine: 0→1 = 1, 2→3 = 1, 4→1 = 4→3 = 0.707 (tie: the first B wins).
const METRIC = new Float32Array([1, 0, 1, 0, 0, 1, 0, 1, 1, 1, -1, 0])

describe('bipartiteSoftMatching', () => {
  it('merges the most similar A token into its B partner in the split layout', () => {
    const red = bipartiteSoftMatching(METRIC, 6, 2, 1)
    // Kept A tokens 2, 4 first, then B tokens 1, 3, 5; token 0 joins token 1.
    expect(Array.from(red.target)).toEqual([2, 2, 0, 3, 1, 4])
    expect(red.outputTokens).toBe(5)
  })

  it('never merges a protected token, taking the next best edge', () => {
    const red = bipartiteSoftMatching(METRIC, 6, 2, 1, { protect: [0] })
    expect(Array.from(red.target)).toEqual([0, 2, 3, 3, 1, 4])
  })

  it('keeps survivors in original order in the positional layout', () => {
    const red = bipartiteSoftMatching(METRIC, 6, 2, 2, { order: 'positional' })
    expect(Array.from(red.target)).toEqual([0, 0, 1, 1, 2, 3])
  })

  it('lets several A tokens land on the same B token', () => {
    // Tokens 0, 2, 4 all point like token 1; token 3 points elsewhere.
    const metric = new Float32Array([1, 0, 1, 0, 0.9, 0.1, 0, 1, 0.8, 0.2])
    const red = bipartiteSoftMatching(metric, 5, 2, 2, { order: 'positional' })
    expect(Array.from(red.target)).toEqual([0, 0, 0, 1, 2])
    expect(Array.from(reduceSizes(red))).toEqual([3, 1, 1])
  })

  it('is the identity at r = 0', () => {
    const red = bipartiteSoftMatching(randomArray(7 * 3, 1), 7, 3, 0)
    expect(Array.from(red.target)).toEqual([0, 1, 2, 3, 4, 5, 6])
    const x = randomArray(7 * 4, 2)
    expect(reduceRows(red, x, 4)).toEqual(x)
  })

  it('removes at most half of the unprotected tokens per call (odd counts too)', () => {
    expect(bipartiteSoftMatching(randomArray(10 * 3, 3), 10, 3, 100).outputTokens).toBe(5)
    expect(bipartiteSoftMatching(randomArray(11 * 3, 4), 11, 3, 100, { protect: [0] }).outputTokens).toBe(6)
    expect(bipartiteSoftMatching(randomArray(1 * 3, 4), 1, 3, 5).outputTokens).toBe(1)
  })

  it('keeps the sizes summing to the original count and the source map consistent over many layers', () => {
    const n = 50
    const dim = 8
    let tokens = n
    let sizes: Float32Array | undefined
    let x = randomArray(n * 4, 5)
    let origin = identityOrigin(n)
    let positions: Int32Array = Int32Array.from({ length: n }, (_, i) => i)
    for (const [layer, r] of tomeSchedule(6, { r: 4, inflect: -1 }).entries()) {
      const step = tomeMerge({
        x,
        tokens,
        dim: 4,
        metric: randomArray(tokens * dim, 10 + layer),
        metricDim: dim,
        r,
        sizes,
        protect: [0],
      })
      expect(step.reduction.outputTokens).toBe(tokens - Math.min(r, Math.floor((tokens - 1) / 2)))
      origin = composeOrigin(origin, step.reduction)
      positions = reduceMin(step.reduction, positions)
      tokens = step.reduction.outputTokens
      sizes = step.sizes
      x = step.x
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(n)
    }
    const sources = sourcesOf(origin, tokens)
    // Each current token's size is the number of originals inside it, and its position the smallest.
    sources.forEach((s, t) => {
      expect(s.length).toBe(sizes![t])
      expect(positions[t]).toBe(s[0])
    })
    expect(origin[0]).toBe(0) // the protected CLS stays first
    expect(sources.flatMap((s) => Array.from(s)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: n }, (_, i) => i),
    )
  })

  it('averages merged rows weighted by size', () => {
    const red = bipartiteSoftMatching(new Float32Array([1, 0, 1, 0]), 2, 2, 1)
    const x = new Float32Array([4, 1, 8, 2])
    expect(Array.from(reduceRows(red, x, 2, new Float32Array([1, 3])))).toEqual([7, 1.75])
    expect(Array.from(reduceSizes(red, new Float32Array([1, 3])))).toEqual([4])
    expect(Array.from(reduceRows(red, x, 2))).toEqual([6, 1.5])
  })

  it('refuses bad input with typed errors', () => {
    const err = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return (e as CompressError).code
      }
      return 'no error'
    }
    expect(err(() => bipartiteSoftMatching(METRIC, 5, 2, 1))).toBe('SHAPE_MISMATCH')
    expect(err(() => bipartiteSoftMatching(METRIC, 6, 2, -1))).toBe('INVALID_ARGUMENT')
    expect(err(() => bipartiteSoftMatching(METRIC, 6, 2, 1, { protect: [6] }))).toBe('INVALID_ARGUMENT')
    expect(err(() => bipartiteSoftMatching(new Float32Array([1, Number.NaN]), 1, 2, 1))).toBe('NOT_FINITE')
    expect(() => bipartiteSoftMatching(METRIC, 6, 2, 1, { order: 'sorted' as 'split' })).toThrow(
      CompressError,
    )
    expect(err(() => proportionalAttentionBias(new Float32Array([1, 0])))).toBe('INVALID_ARGUMENT')
  })
})

describe('proportionalAttentionBias', () => {
  it('is log(size) of each key token', () => {
    expect(Array.from(proportionalAttentionBias(new Float32Array([1, 2, 4])))).toEqual([
      0,
      Math.fround(Math.log(2)),
      Math.fround(Math.log(4)),
    ])
  })
})

describe('tomeSchedule', () => {
  it('follows parse_r: constant, list and inflected ramp', () => {
    expect(tomeSchedule(3, 3)).toEqual([3, 3, 3])
    expect(tomeSchedule(4, [1, 2])).toEqual([1, 2, 0, 0])
    expect(tomeSchedule(5, { r: 4, inflect: -1 })).toEqual([8, 6, 4, 2, 0])
    expect(tomeSchedule(1, 5)).toEqual([5])
    expect(() => tomeSchedule(2, [1, 2, 3])).toThrow(CompressError)
  })
})

describe('meanOverHeads', () => {
  it('averages the heads of each token', () => {
    // 2 tokens, 2 heads of dim 2.
    const k = new Float32Array([1, 2, 3, 4, 0, 0, 2, 2])
    expect(Array.from(meanOverHeads(k, 2, 2, 2))).toEqual([2, 3, 1, 1])
  })
})
