import { describe, expect, it } from 'vitest'
import { binarize, calibrateBinarizer, debinarize, hamming, hammingScan } from './binarize.ts'
import { CompressError } from './errors.ts'
import { randomArray } from './test-util.ts'

describe('binarize', () => {
  const x = new Float32Array([1, -2, 3, -1, -1, 0.5])

  it('packs signs and per-token scales (hand-checked) and decodes back', () => {
    const c = binarize(x, 2, 3)
    expect(Array.from(c.codes)).toEqual([0b101, 0b100])
    expect(c.scales[0]).toBeCloseTo(2, 6)
    expect(c.scales[1]).toBeCloseTo(2.5 / 3, 6)
    const y = debinarize(c)
    expect(Array.from(y.subarray(0, 3))).toEqual([2, -2, 2])
    expect(hamming(c.codes, 0, c.codes, 1, 1)).toBe(1)
  })

  it('packs dimension d into bit d % 32 of word d / 32', () => {
    const v = new Float32Array(40).fill(-1)
    v[35] = 1
    const c = binarize(v, 1, 40)
    expect(c.words).toBe(2)
    expect(Array.from(c.codes)).toEqual([0, 1 << 3])
  })

  it('decodes calibrated codes with per-dim scales to center ± scale', () => {
    const rows = 64
    const dim = 8
    const data = randomArray(rows * dim, 1).map((v, i) => v + (i % dim)) // offset per dim
    const cal = calibrateBinarizer(data, rows, dim)
    expect(cal.center[5]).toBeCloseTo(5, 0)
    const c = binarize(data, rows, dim, { scale: 'dim', calibration: cal })
    const y = debinarize(c)
    for (let i = 0; i < rows * dim; i++) {
      const d = i % dim
      expect(Math.abs(Math.abs(y[i]! - cal.center[d]!) - cal.dimScale[d]!)).toBeLessThan(1e-6)
    }
    // Centring matters: around 0 the offset dims 2..7 are always 1; around the mean each
    // dimension splits the rows.
    const raw = binarize(data, rows, dim)
    for (let r = 0; r < rows; r++) expect(raw.codes[r]! >>> 2).toBe(0x3f)
    const set = Array.from(c.codes).filter((code) => (code >>> 5) & 1).length
    expect(set).toBeGreaterThan(rows / 4)
    expect(set).toBeLessThan((3 * rows) / 4)
  })

  it('uses the L2-optimal per-token scale for its signs', () => {
    const v = randomArray(16 * 32, 2)
    const c = binarize(v, 16, 32)
    const err = (k: number) => {
      const y = debinarize({ ...c, scales: c.scales.map((s) => s * k) })
      return y.reduce((a, yv, i) => a + (yv - v[i]!) ** 2, 0)
    }
    expect(err(1)).toBeLessThan(err(0.9))
    expect(err(1)).toBeLessThan(err(1.1))
  })

  it('scans Hamming distances', () => {
    const c = binarize(randomArray(5 * 64, 3), 5, 64)
    const d = hammingScan(c.codes, 2, c.codes.subarray(4, 6))
    expect(d[2]).toBe(0)
    for (let i = 0; i < 5; i++) expect(d[i]).toBe(hamming(c.codes, i, c.codes, 2, 2))
  })

  it('refuses NaN, wrong shapes and mismatched calibration', () => {
    expect(() => binarize(new Float32Array([Number.NaN]), 1, 1)).toThrow(CompressError)
    expect(() => binarize(x, 2, 2)).toThrowError(/SHAPE|x must hold/)
    const cal = calibrateBinarizer(x, 2, 3)
    expect(() => binarize(x, 3, 2, { calibration: cal })).toThrowError(/calibration/)
    expect(() => debinarize({ ...binarize(x, 2, 3), words: 2 })).toThrow(CompressError)
  })
})
