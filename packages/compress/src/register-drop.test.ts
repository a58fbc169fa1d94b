import { describe, expect, it } from 'vitest'
import { CompressError } from './errors.ts'
import { MODALITY } from './modality.ts'
import { composeOrigin, identityOrigin, keptRows, reduceLabels, reduceMin, reduceRows } from './reduction.ts'
import { dropTokens, registerDrop } from './register-drop.ts'
import { randomArray } from './test-util.ts'

describe('registerDrop', () => {
  // [system, image × 3, register × 2, text]
  const modality = new Uint8Array([0, 1, 1, 1, 2, 2, 0])

  it('drops the visual tokens and keeps registers and text in order, metadata following', () => {
    const red = registerDrop(modality)
    expect(Array.from(red.target)).toEqual([0, -1, -1, -1, 1, 2, 3])
    expect(Array.from(keptRows(red))).toEqual([0, 4, 5, 6])
    expect(Array.from(reduceLabels(red, modality))).toEqual([0, 2, 2, 0])
    // Positions keep their original values.
    expect(Array.from(reduceMin(red, Int32Array.from([0, 1, 2, 3, 4, 5, 6])))).toEqual([0, 4, 5, 6])
    expect(Array.from(composeOrigin(identityOrigin(7), red))).toEqual([0, -1, -1, -1, 1, 2, 3])
    const x = randomArray(7 * 2, 1)
    expect(Array.from(reduceRows(red, x, 2))).toEqual([...x.subarray(0, 2), ...x.subarray(8, 14)])
  })

  it('is the identity when there is nothing visual', () => {
    expect(Array.from(registerDrop(new Uint8Array([0, 2, 0])).target)).toEqual([0, 1, 2])
    expect(registerDrop(modality, MODALITY.REGISTER).outputTokens).toBe(5)
  })

  it('refuses a keep mask with values other than 0 and 1', () => {
    expect(() => dropTokens(new Uint8Array([1, 2]))).toThrow(CompressError)
  })
})
