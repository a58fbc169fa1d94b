import { describe, expect, it } from 'vitest'
import { CompressError } from './errors.ts'
import { composeReductions, keptRows, makeReduction, reduceLabels, sourcesOf } from './reduction.ts'

describe('reductions', () => {
  it('composes two reductions into one', () => {
    const a = makeReduction(Int32Array.from([0, 0, 1, 2, -1]), 3)
    const b = makeReduction(Int32Array.from([-1, 0, 0]), 1)
    expect(Array.from(composeReductions(a, b).target)).toEqual([-1, -1, 0, 0, -1])
    expect(() => composeReductions(b, a)).toThrow(CompressError)
  })

  it('lists the sources of each current token', () => {
    expect(sourcesOf(Int32Array.from([1, 0, 1, -1]), 2).map((s) => Array.from(s))).toEqual([[1], [0, 2]])
  })

  it('refuses a target map with an empty output or an out-of-range entry', () => {
    expect(() => makeReduction(Int32Array.from([0, 2]), 3)).toThrowError(/output token 1/)
    expect(() => makeReduction(Int32Array.from([0, 3]), 3)).toThrow(CompressError)
  })

  it('refuses to slice rows of a merging reduction or to mix labels', () => {
    const merge = makeReduction(Int32Array.from([0, 0]), 1)
    expect(() => keptRows(merge)).toThrow(CompressError)
    expect(() => reduceLabels(merge, new Uint8Array([0, 1]))).toThrow(CompressError)
  })
})
