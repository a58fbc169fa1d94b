import { describe, expect, it } from 'vitest'
import { CompressError } from './errors.ts'
import { dequantizeInt8, quantizeInt8 } from './quantize.ts'
import { randomArray } from './test-util.ts'

describe('int8 quantisation', () => {
  it('uses one symmetric scale per row (hand-checked)', () => {
    const m = quantizeInt8(new Float32Array([1.27, -0.64, 0.3, 0, 0, 0]), 2, 3)
    expect(m.scales[0]).toBeCloseTo(0.01, 7)
    expect(Array.from(m.q)).toEqual([127, -64, 30, 0, 0, 0])
    expect(m.scales[1]).toBe(0)
    expect(Array.from(dequantizeInt8(m).subarray(3))).toEqual([0, 0, 0])
  })

  it('round-trips within half a step per value', () => {
    const w = randomArray(32 * 48, 1)
    const m = quantizeInt8(w, 32, 48)
    const back = dequantizeInt8(m)
    for (let i = 0; i < w.length; i++)
      expect(Math.abs(back[i]! - w[i]!)).toBeLessThanOrEqual(m.scales[Math.floor(i / 48)]! / 2 + 1e-7)
  })

  it('refuses non-finite weights and bad scales', () => {
    expect(() => quantizeInt8(new Float32Array([Number.POSITIVE_INFINITY]), 1, 1)).toThrow(CompressError)
    expect(() =>
      dequantizeInt8({ rows: 1, cols: 1, q: new Int8Array(1), scales: new Float32Array([Number.NaN]) }),
    ).toThrowError(/scales/)
  })
})
