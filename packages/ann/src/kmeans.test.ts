import { describe, expect, it } from 'vitest'
import { AnnError } from './errors.ts'
import { assignNearest, trainKmeans } from './kmeans.ts'
import { Rng } from './random.ts'

/** n points around `c` well separated centres in `dim` dims. */
function blobs(n: number, dim: number, c: number, seed: number, spread = 0.05) {
  const rng = new Rng(seed)
  const centres = new Float32Array(c * dim)
  for (let i = 0; i < centres.length; i++) centres[i] = rng.gaussian() * 3
  const data = new Float32Array(n * dim)
  const label = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const k = i % c
    label[i] = k
    for (let j = 0; j < dim; j++) data[i * dim + j] = centres[k * dim + j]! + rng.gaussian() * spread
  }
  return { data, label, centres }
}

function expectAnnError(fn: () => unknown, code: string) {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(AnnError)
    expect((e as AnnError).code).toBe(code)
    return
  }
  throw new Error(`expected AnnError ${code}`)
}

describe('trainKmeans', () => {
  it('is deterministic for a seed and changes with the seed', () => {
    const { data } = blobs(600, 8, 6, 1, 1)
    const a = trainKmeans(data, 600, 8, { k: 6, seed: 11, iterations: 5 })
    const b = trainKmeans(data, 600, 8, { k: 6, seed: 11, iterations: 5 })
    const c = trainKmeans(data, 600, 8, { k: 6, seed: 12, iterations: 5 })
    expect(Array.from(b.centroids)).toEqual(Array.from(a.centroids))
    expect(Array.from(c.centroids)).not.toEqual(Array.from(a.centroids))
  })

  it('recovers well separated clusters with both inits', () => {
    const { data, label } = blobs(800, 16, 8, 2)
    for (const init of ['random', 'kmeans++'] as const) {
      const km = trainKmeans(data, 800, 16, { k: 8, seed: 3, init, iterations: 20 })
      const assign = assignNearest(data, 800, 16, km.centroids, 8)
      // Every true cluster maps to exactly one centroid (a perfect, relabelled partition),
      // which k-means++ always finds here; random init may merge two blobs, so it must at
      // least not leave any centroid empty.
      const map = new Map<number, number>()
      let consistent = true
      for (let i = 0; i < 800; i++) {
        const prev = map.get(label[i]!)
        if (prev === undefined) map.set(label[i]!, assign[i]!)
        else if (prev !== assign[i]) consistent = false
      }
      if (init === 'kmeans++') {
        expect(consistent).toBe(true)
        expect(new Set(map.values()).size).toBe(8)
      }
      expect(new Set(assign).size).toBe(8)
    }
  })

  it('splits empty clusters so that none stays empty', () => {
    // 4 distinct points repeated, 12 centroids: random init picks duplicates, leaving
    // empty clusters that must be re-seeded from large ones.
    const dim = 4
    const n = 400
    const data = new Float32Array(n * dim)
    const rng = new Rng(8)
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dim; j++) data[i * dim + j] = (i % 4 === j ? 10 : 0) + rng.gaussian() * 0.5
    }
    const km = trainKmeans(data, n, dim, { k: 12, seed: 1, iterations: 10 })
    expect(km.splits).toBeGreaterThan(0)
    const assign = assignNearest(data, n, dim, km.centroids, 12)
    const sizes = new Int32Array(12)
    for (const a of assign) sizes[a]!++
    for (const s of sizes) expect(s).toBeGreaterThan(0)
  })

  it('samples at most k * maxPointsPerCentroid rows and reports progress', () => {
    const { data } = blobs(2000, 4, 4, 4, 1)
    const seen: [number, number][] = []
    const km = trainKmeans(data, 2000, 4, {
      k: 4,
      iterations: 3,
      maxPointsPerCentroid: 10,
      onProgress: (i, t) => seen.push([i, t]),
    })
    let total = 0
    for (const s of km.sizes) total += s
    expect(total).toBe(40)
    expect(seen).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ])
  })

  it('trains on a strided prefix and normalises for cosine', () => {
    const { data } = blobs(300, 12, 3, 5)
    const km = trainKmeans(data, 300, 6, { k: 3, stride: 12, metric: 'cosine', seed: 2 })
    expect(km.dim).toBe(6)
    expect(km.centroids.length).toBe(18)
    for (let c = 0; c < 3; c++) {
      let s = 0
      for (let j = 0; j < 6; j++) s += km.centroids[c * 6 + j]! ** 2
      expect(s).toBeCloseTo(1, 5)
    }
    const assign = assignNearest(data, 300, 6, km.centroids, 3, { stride: 12, metric: 'cosine' })
    expect(assign.length).toBe(300)
  })

  it('refuses bad arguments with typed errors', () => {
    const data = new Float32Array(40)
    expectAnnError(() => trainKmeans(data, 10, 4, { k: 0 }), 'INVALID_ARGUMENT')
    expectAnnError(() => trainKmeans(data, 10, 4, { k: 1.5 }), 'INVALID_ARGUMENT')
    expectAnnError(() => trainKmeans(data, 10, 4, { k: 11 }), 'INVALID_ARGUMENT')
    expectAnnError(() => trainKmeans(data, 11, 4, { k: 2 }), 'DIMENSION_MISMATCH')
    expectAnnError(() => trainKmeans(data, 10, 4, { k: 2, stride: 3 }), 'INVALID_ARGUMENT')
    const bad = new Float32Array(40)
    bad[17] = Number.NaN
    expectAnnError(() => trainKmeans(bad, 10, 4, { k: 2 }), 'NOT_FINITE')
    expectAnnError(() => assignNearest(data, 10, 4, new Float32Array(4), 2), 'DIMENSION_MISMATCH')
  })
})
