import { Matrix, SingularValueDecomposition } from 'ml-matrix'
import { describe, expect, it } from 'vitest'
import { ModelError } from './errors.ts'
import { mulberry32 } from './random.ts'
import { type CsrMatrix, orthonormalize, randomizedSvd } from './svd.ts'

function randomSparse(
  rows: number,
  cols: number,
  density: number,
  seed: number,
): { csr: CsrMatrix; dense: Matrix } {
  const rand = mulberry32(seed)
  const dense = new Matrix(rows, cols)
  const indptr = new Int32Array(rows + 1)
  const indices: number[] = []
  const values: number[] = []
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (rand() < density) {
        // A decaying column scale gives a spectrum with clear gaps, as text matrices have.
        const v = (rand() + 0.1) / (1 + j / 4)
        dense.set(i, j, v)
        indices.push(j)
        values.push(v)
      }
    }
    indptr[i + 1] = indices.length
  }
  return {
    csr: { rows, cols, indptr, indices: Int32Array.from(indices), values: Float64Array.from(values) },
    dense,
  }
}

describe('randomizedSvd', () => {
  it('matches the exact SVD (values and right vectors) of a small sparse matrix', () => {
    const { csr, dense } = randomSparse(60, 40, 0.3, 7)
    const exact = new SingularValueDecomposition(dense, { autoTranspose: true })
    const approx = randomizedSvd(csr, 8, { powerIterations: 4, oversample: 20 })
    expect(approx.rank).toBe(8)
    const right = exact.rightSingularVectors
    for (let c = 0; c < 8; c++) {
      expect(approx.values[c]).toBeCloseTo(exact.diagonal[c]!, 4)
      let dot = 0
      for (let r = 0; r < 40; r++) dot += approx.vectors[r * 8 + c]! * right.get(r, c)
      expect(Math.abs(dot)).toBeGreaterThan(0.999)
    }
    for (let c = 1; c < 8; c++) expect(approx.values[c]!).toBeLessThanOrEqual(approx.values[c - 1]!)
  })

  it('is deterministic for a seed and returns fewer components for a low-rank matrix', () => {
    const { csr } = randomSparse(30, 20, 0.4, 3)
    const a = randomizedSvd(csr, 5, { seed: 9 })
    const b = randomizedSvd(csr, 5, { seed: 9 })
    expect(a.vectors).toEqual(b.vectors)
    // Rank 2: two rows only.
    const two: CsrMatrix = {
      rows: 2,
      cols: 3,
      indptr: Int32Array.from([0, 2, 3]),
      indices: Int32Array.from([0, 1, 2]),
      values: Float64Array.from([1, 1, 2]),
    }
    const low = randomizedSvd(two, 5)
    expect(low.rank).toBe(2)
    expect([...low.values].map((v) => Number(v.toFixed(6)))).toEqual([2, Number(Math.SQRT2.toFixed(6))])
  })

  it('refuses a non-positive rank', () => {
    const { csr } = randomSparse(5, 5, 0.5, 1)
    expect(() => randomizedSvd(csr, 0)).toThrow(ModelError)
  })
})

describe('orthonormalize', () => {
  it('returns orthonormal columns spanning the input and drops dependent ones', () => {
    const rand = mulberry32(5)
    const m = 50
    const a = new Float64Array(m * 4)
    for (let i = 0; i < m; i++) {
      const x = rand()
      const y = rand()
      const z = rand()
      a.set([x, y, z, x + 2 * y], i * 4) // column 3 depends on 0 and 1
    }
    const { q, cols } = orthonormalize(a, m, 4)
    expect(cols).toBe(3)
    for (let p = 0; p < cols; p++) {
      for (let r = 0; r < cols; r++) {
        let dot = 0
        for (let i = 0; i < m; i++) dot += q[i * cols + p]! * q[i * cols + r]!
        expect(dot).toBeCloseTo(p === r ? 1 : 0, 10)
      }
    }
  })
})
