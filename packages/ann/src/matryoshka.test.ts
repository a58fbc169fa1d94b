import { describe, expect, it } from 'vitest'
import { applyRotation, fitPcaRotation, truncate } from './matryoshka.ts'
import { Rng } from './random.ts'
import { errorCode } from './test-data.ts'

describe('truncate', () => {
  it('keeps a prefix and re-normalises it', () => {
    const out = truncate(new Float32Array([3, 4, 12, 0, 0, 5]), 2, 3, 2)
    expect(Array.from(out)).toEqual([0.6000000238418579, 0.800000011920929, 0, 0])
    expect(Array.from(truncate(new Float32Array([3, 4, 12]), 1, 3, 2, { normalize: false }))).toEqual([3, 4])
    expect(errorCode(() => truncate(new Float32Array(6), 2, 3, 4))).toBe('INVALID_ARGUMENT')
  })
})

describe('fitPcaRotation', () => {
  // Rigid embeddings: variance spread across dims in a random orientation.
  const dim = 12
  const n = 3000
  const rng = new Rng(4)
  const scales = Array.from({ length: dim }, (_, i) => 2 ** (-i / 2))
  // A random orthonormal basis via Gram-Schmidt.
  const basis: number[][] = []
  for (let i = 0; i < dim; i++) {
    let v = Array.from({ length: dim }, () => rng.gaussian())
    for (const b of basis) {
      const d = v.reduce((s, x, j) => s + x * b[j]!, 0)
      v = v.map((x, j) => x - d * b[j]!)
    }
    const norm = Math.hypot(...v)
    basis.push(v.map((x) => x / norm))
  }
  const data = new Float32Array(n * dim)
  for (let i = 0; i < n; i++) {
    const z = scales.map((s) => s * rng.gaussian())
    for (let j = 0; j < dim; j++) {
      let s = 0
      for (let a = 0; a < dim; a++) s += z[a]! * basis[a]![j]!
      data[i * dim + j] = s
    }
  }

  it('finds orthonormal axes ordered by variance that recover the generating ones', () => {
    const pca = fitPcaRotation(data, n, dim)
    for (let a = 0; a < dim; a++) {
      for (let b = 0; b < dim; b++) {
        let d = 0
        for (let j = 0; j < dim; j++) d += pca.rotation[a * dim + j]! * pca.rotation[b * dim + j]!
        expect(d).toBeCloseTo(a === b ? 1 : 0, 5)
      }
    }
    for (let a = 1; a < dim; a++) expect(pca.variances[a]!).toBeLessThanOrEqual(pca.variances[a - 1]!)
    // The top axis is the generating axis of largest scale (up to sign).
    const top = Array.from(pca.rotation.subarray(0, dim))
    const align = Math.abs(top.reduce((s, x, j) => s + x * basis[0]![j]!, 0))
    expect(align).toBeGreaterThan(0.99)
    expect(pca.variances[0]).toBeCloseTo(1, 1)
  })

  it('makes prefixes nested: leading dims hold most energy, dot products are kept', () => {
    const pca = fitPcaRotation(data, n, dim, { seed: 1 })
    const rotated = applyRotation(pca, data, n)
    let head = 0
    let total = 0
    let rawHead = 0
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dim; j++) {
        const v = rotated[i * dim + j]! ** 2
        total += v
        if (j < 3) {
          head += v
          rawHead += data[i * dim + j]! ** 2
        }
      }
    }
    expect(head / total).toBeGreaterThan(0.8)
    expect(head).toBeGreaterThan(rawHead)
    // Orthonormal: inner products between rows survive the rotation.
    for (const [a, b] of [
      [0, 1],
      [5, 9],
    ] as const) {
      let before = 0
      let after = 0
      for (let j = 0; j < dim; j++) {
        before += data[a * dim + j]! * data[b * dim + j]!
        after += rotated[a * dim + j]! * rotated[b * dim + j]!
      }
      expect(after).toBeCloseTo(before, 4)
    }
    expect(applyRotation(pca, data, n, { dims: 4 }).length).toBe(4 * n)
  })

  it('is deterministic and refuses bad input', () => {
    const a = fitPcaRotation(data, n, dim, { maxSamples: 500, seed: 3 })
    const b = fitPcaRotation(data, n, dim, { maxSamples: 500, seed: 3 })
    expect(Array.from(a.rotation)).toEqual(Array.from(b.rotation))
    expect(errorCode(() => fitPcaRotation(data, 1, dim * n))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => fitPcaRotation(data, n, dim + 1))).toBe('DIMENSION_MISMATCH')
    expect(errorCode(() => applyRotation(a, data, n, { dims: 0 }))).toBe('INVALID_ARGUMENT')
  })
})
