import { describe, expect, it } from 'vitest'
import { readBvecs, readFvecs, readIvecs, writeBvecs, writeFvecs, writeIvecs } from './io.ts'
import { errorCode } from './test-data.ts'

describe('vecs files', () => {
  const floats = new Float32Array([1.5, -2, 3.25, 0, 1e-8, -7])
  it('round-trips fvecs, ivecs and bvecs', () => {
    const f = writeFvecs(floats, 2, 3)
    expect(f.length).toBe(2 * (4 + 12))
    expect(new DataView(f.buffer).getInt32(16, true)).toBe(3)
    const back = readFvecs(f)
    expect(back).toMatchObject({ n: 2, dim: 3 })
    expect(Array.from(back.data)).toEqual(Array.from(floats))
    expect(Array.from(readFvecs(f.slice().buffer).data)).toEqual(Array.from(floats))
    const ints = new Int32Array([5, -1, 2147483647, 0])
    expect(Array.from(readIvecs(writeIvecs(ints, 2, 2)).data)).toEqual(Array.from(ints))
    const bytes = new Uint8Array([0, 255, 7, 8, 9, 10])
    const b = readBvecs(writeBvecs(bytes, 3, 2))
    expect(b).toMatchObject({ n: 3, dim: 2 })
    expect(Array.from(b.data)).toEqual(Array.from(bytes))
    // A misaligned view of a valid file reads the same.
    const shifted = new Uint8Array(f.length + 1)
    shifted.set(f, 1)
    expect(Array.from(readFvecs(shifted.subarray(1)).data)).toEqual(Array.from(floats))
  })

  it('refuses every truncation of a file', () => {
    const f = writeFvecs(floats, 2, 3)
    for (let len = 0; len < f.length; len++) {
      // A cut at a record boundary (16 bytes) is a valid 1-record file unless the count is known.
      const code = errorCode(() => readFvecs(f.subarray(0, len), len === 16 ? { n: 2 } : {}))
      expect(code, `length ${len}`).toMatch(/^(TRUNCATED|CORRUPT)$/)
    }
    expect(readFvecs(f.subarray(0, 16)).n).toBe(1)
    const i = writeIvecs(new Int32Array(6), 3, 2)
    for (let len = 1; len < i.length; len++) {
      expect(
        errorCode(() => readIvecs(i.subarray(0, len), { n: 3 })),
        `length ${len}`,
      ).toMatch(/^(TRUNCATED|CORRUPT)$/)
    }
    const b = writeBvecs(new Uint8Array(6), 2, 3)
    for (let len = 1; len < b.length; len++) {
      expect(
        errorCode(() => readBvecs(b.subarray(0, len), { n: 2 })),
        `length ${len}`,
      ).toMatch(/^(TRUNCATED|CORRUPT)$/)
    }
    expect(errorCode(() => readFvecs(f, { dim: 4 }))).toBe('DIMENSION_MISMATCH')
  })

  it('refuses inconsistent dimensions, absurd headers and non-finite values', () => {
    const f = writeFvecs(floats, 2, 3)
    const bad = f.slice()
    new DataView(bad.buffer).setInt32(16, 4, true)
    expect(errorCode(() => readFvecs(bad))).toBe('CORRUPT')
    const neg = f.slice()
    new DataView(neg.buffer).setInt32(0, -3, true)
    expect(errorCode(() => readFvecs(neg))).toBe('CORRUPT')
    const nan = f.slice()
    new DataView(nan.buffer).setFloat32(8, Number.NaN, true)
    expect(errorCode(() => readFvecs(nan))).toBe('NOT_FINITE')
    expect(errorCode(() => writeFvecs(floats, 2, 4))).toBe('DIMENSION_MISMATCH')
    expect(errorCode(() => writeFvecs(floats, 2, 0))).toBe('INVALID_ARGUMENT')
  })
})
