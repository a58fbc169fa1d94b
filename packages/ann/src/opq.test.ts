import { describe, expect, it } from 'vitest'
import { AnnError } from './errors.ts'
import { rotate, trainOpq } from './opq.ts'
import { ProductQuantizer } from './pq.ts'
import { Rng } from './random.ts'

/** Anisotropic Gaussian data (scale decaying with the dimension) seen through a random rotation. */
function rotatedAnisotropic(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed)
  // Random orthogonal matrix by Gram-Schmidt on Gaussian rows.
  const q = new Float64Array(dim * dim)
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) q[i * dim + j] = rng.gaussian()
    for (let p = 0; p < i; p++) {
      let d = 0
      for (let j = 0; j < dim; j++) d += q[i * dim + j]! * q[p * dim + j]!
      for (let j = 0; j < dim; j++) q[i * dim + j]! -= d * q[p * dim + j]!
    }
    let norm = 0
    for (let j = 0; j < dim; j++) norm += q[i * dim + j]! ** 2
    for (let j = 0; j < dim; j++) q[i * dim + j]! /= Math.sqrt(norm)
  }
  const x = new Float32Array(n * dim)
  const z = new Float64Array(dim)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) z[j] = rng.gaussian() * 3 * 0.8 ** j
    for (let j = 0; j < dim; j++) {
      let s = 0
      for (let p = 0; p < dim; p++) s += z[p]! * q[p * dim + j]!
      x[i * dim + j] = s
    }
  }
  return x
}

function mse(pq: ProductQuantizer, x: Float32Array, n: number, dim: number): number {
  const codes = pq.encodeBatch(x, n, dim)
  const recon = new Float32Array(dim)
  let err = 0
  for (let i = 0; i < n; i++) {
    pq.decode(codes, i * pq.m, recon, 0)
    for (let j = 0; j < dim; j++) err += (recon[j]! - x[i * dim + j]!) ** 2
  }
  return err / n
}

describe('OPQ', () => {
  const n = 2000
  const dim = 16
  const m = 4
  const x = rotatedAnisotropic(n, dim, 11)

  it('learns an orthogonal rotation that quantises rotated anisotropic data better than PQ', () => {
    const plain = mse(ProductQuantizer.train(x, n, dim, { m, ksub: 32, iterations: 10, seed: 1 }), x, n, dim)
    const { rotation, pq, errors } = trainOpq(x, n, dim, {
      m,
      ksub: 32,
      iterations: 10,
      seed: 1,
      opqIterations: 6,
      opqTrainPoints: 2000,
    })
    // R Rᵀ = I
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < dim; j++) {
        let s = 0
        for (let t = 0; t < dim; t++) s += rotation[i * dim + t]! * rotation[j * dim + t]!
        expect(s).toBeCloseTo(i === j ? 1 : 0, 4)
      }
    }
    const xr = new Float32Array(n * dim)
    for (let i = 0; i < n; i++) rotate(rotation, dim, x, i * dim, xr, i * dim)
    const opq = mse(pq, xr, n, dim)
    expect(opq).toBeLessThan(plain * 0.8)
    // The alternation does not get worse over its iterations.
    expect(errors.at(-1)!).toBeLessThanOrEqual(errors[0]! * 1.01)
  })

  it('rotation preserves norms and inner products', () => {
    const { rotation } = trainOpq(x, n, dim, { m, ksub: 16, iterations: 3, opqIterations: 2 })
    const a = new Float32Array(dim)
    const b = new Float32Array(dim)
    rotate(rotation, dim, x, 0, a, 0)
    rotate(rotation, dim, x, dim, b, 0)
    let before = 0
    let after = 0
    for (let j = 0; j < dim; j++) {
      before += x[j]! * x[dim + j]!
      after += a[j]! * b[j]!
    }
    expect(after).toBeCloseTo(before, 3)
  })

  it('refuses m that does not divide the dimension', () => {
    expect(() => trainOpq(x, n, dim, { m: 3 })).toThrow(AnnError)
    expect(() => trainOpq(x, n, dim, { m: 4, opqIterations: 0 })).toThrow(AnnError)
  })
})
