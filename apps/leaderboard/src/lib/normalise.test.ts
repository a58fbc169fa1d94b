import { describe, expect, it } from 'vitest'
import { normalise } from './normalise.ts'

describe('normalise', () => {
  it('gives the best run 1 whichever way the metric points', () => {
    expect(normalise(400, [100, 200, 400], 'higher')).toBe(1)
    expect(normalise(2, [2, 4, 8], 'lower')).toBe(1)
  })

  it('scales the others by their ratio to the best', () => {
    expect(normalise(100, [100, 200, 400], 'higher')).toBe(0.25)
    expect(normalise(8, [2, 4, 8], 'lower')).toBe(0.25)
  })

  it('treats a zero cost as best and never goes below zero', () => {
    expect(normalise(0, [0, 1], 'lower')).toBe(1)
    expect(normalise(0, [0, 0], 'higher')).toBe(1)
    expect(normalise(-1, [1, 2], 'higher')).toBe(0)
  })
})
