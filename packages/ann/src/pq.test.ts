import { describe, expect, it } from 'vitest'
import { AnnError } from './errors.ts'
import { ProductQuantizer } from './pq.ts'
import { Rng } from './random.ts'

/** Clustered data whose per-dimension scale decays with the dimension index. */
function anisotropic(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed)
  const centres = 20
  const c = new Float32Array(centres * dim)
  for (let i = 0; i < c.length; i++) c[i] = rng.gaussian()
  const x = new Float32Array(n * dim)
  for (let i = 0; i < n; i++) {
    const k = rng.int(centres)
    for (let j = 0; j < dim; j++) x[i * dim + j] = (c[k * dim + j]! + 0.5 * rng.gaussian()) / Math.sqrt(1 + j)
  }
  return x
}

function meanSquaredError(pq: ProductQuantizer, x: Float32Array, n: number, dim: number): number {
  const codes = pq.encodeBatch(x, n, dim)
  const recon = new Float32Array(dim)
  let err = 0
  for (let i = 0; i < n; i++) {
    pq.decode(codes, i * pq.m, recon, 0)
    for (let j = 0; j < dim; j++) err += (recon[j]! - x[i * dim + j]!) ** 2
  }
  return err / n
}

describe('ProductQuantizer', () => {
  const n = 1500
  const dim = 32
  const x = anisotropic(n, dim, 1)

  it('loses less as the number of sub-quantisers grows', () => {
    const errors = [2, 4, 8, 16].map((m) =>
      meanSquaredError(ProductQuantizer.train(x, n, dim, { m, iterations: 8, seed: 3 }), x, n, dim),
    )
    for (let i = 1; i < errors.length; i++) expect(errors[i]!).toBeLessThan(errors[i - 1]! * 0.9)
    let energy = 0
    for (const v of x) energy += v * v
    expect(errors[0]!).toBeLessThan(energy / n)
  })

  it('encodes each sub-vector to its nearest centroid and decodes it back', () => {
    const pq = ProductQuantizer.train(x, n, dim, { m: 4, iterations: 5, seed: 2 })
    const codes = pq.encodeBatch(x, 50, dim)
    for (let i = 0; i < 50; i++) {
      for (let j = 0; j < pq.m; j++) {
        let bestD = Number.POSITIVE_INFINITY
        for (let c = 0; c < pq.ksub; c++) {
          let d = 0
          for (let t = 0; t < pq.dsub; t++) {
            d += (x[i * dim + j * pq.dsub + t]! - pq.centroids[(j * pq.ksub + c) * pq.dsub + t]!) ** 2
          }
          if (d < bestD) bestD = d
        }
        const got = codes[i * pq.m + j]!
        let dGot = 0
        for (let t = 0; t < pq.dsub; t++) {
          dGot += (x[i * dim + j * pq.dsub + t]! - pq.centroids[(j * pq.ksub + got) * pq.dsub + t]!) ** 2
        }
        expect(dGot).toBeCloseTo(bestD, 4)
      }
    }
  })

  it('ADC tables sum to the distance and inner product of the decoded vector', () => {
    const pq = ProductQuantizer.train(x, n, dim, { m: 8, iterations: 4, seed: 5 })
    const q = x.slice(7 * dim, 8 * dim).map((v, j) => v + 0.1 * Math.cos(j))
    const l2 = new Float32Array(pq.m * pq.ksub)
    const ip = new Float32Array(pq.m * pq.ksub)
    pq.distanceTable(q, 0, l2)
    pq.innerProductTable(q, 0, ip)
    const codes = pq.encodeBatch(x, 20, dim)
    const recon = new Float32Array(dim)
    for (let i = 0; i < 20; i++) {
      pq.decode(codes, i * pq.m, recon, 0)
      let d = 0
      let s = 0
      let dt = 0
      let st = 0
      for (let j = 0; j < dim; j++) {
        d += (q[j]! - recon[j]!) ** 2
        s += q[j]! * recon[j]!
      }
      for (let j = 0; j < pq.m; j++) {
        dt += l2[j * pq.ksub + codes[i * pq.m + j]!]!
        st += ip[j * pq.ksub + codes[i * pq.m + j]!]!
      }
      expect(dt).toBeCloseTo(d, 4)
      expect(st).toBeCloseTo(s, 4)
    }
  })

  it('quantises only the requested prefix of longer rows', () => {
    const pq = ProductQuantizer.train(x, n, 16, { m: 4, stride: dim, iterations: 3 })
    expect(pq.dim).toBe(16)
    expect(pq.centroids.length).toBe(16 * 256)
    expect(pq.encodeBatch(x, n, dim).length).toBe(n * 4)
  })

  it('refuses m that does not divide the dimension, and bad sizes', () => {
    const code = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        expect(e).toBeInstanceOf(AnnError)
        return (e as AnnError).code
      }
      return 'no error'
    }
    expect(code(() => ProductQuantizer.train(x, n, dim, { m: 5 }))).toBe('INVALID_ARGUMENT')
    expect(code(() => ProductQuantizer.train(x, n, dim, { m: 0 }))).toBe('INVALID_ARGUMENT')
    expect(code(() => ProductQuantizer.train(x, n, dim, { m: 4, ksub: 300 }))).toBe('INVALID_ARGUMENT')
    expect(code(() => new ProductQuantizer(32, 4, 256, new Float32Array(10)))).toBe('DIMENSION_MISMATCH')
  })
})
