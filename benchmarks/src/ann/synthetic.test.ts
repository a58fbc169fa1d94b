import { describe, expect, it } from 'vitest'
import { DEFAULT_SYNTHETIC, decayProfile, generateSynthetic } from './synthetic.ts'

const small = { ...DEFAULT_SYNTHETIC, n: 300, queries: 20, dim: 64, clusters: 10 }

describe('generateSynthetic', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateSynthetic(small)
    const b = generateSynthetic(small)
    const c = generateSynthetic({ ...small, seed: small.seed + 1 })
    expect(a.base).toEqual(b.base)
    expect(a.queries).toEqual(b.queries)
    expect(a.base).not.toEqual(c.base)
  })

  it('returns unit rows whose variance decays with the dimension index', () => {
    const { base, dim } = generateSynthetic(small)
    let norm = 0
    for (let i = 0; i < dim; i++) norm += base[i]! ** 2
    expect(norm).toBeCloseTo(1, 5)
    const variance = (from: number, to: number) => {
      let s = 0
      for (let r = 0; r < small.n; r++) for (let i = from; i < to; i++) s += base[r * dim + i]! ** 2
      return s / (small.n * (to - from))
    }
    expect(variance(0, 8)).toBeGreaterThan(3 * variance(56, 64))
  })

  it('draws queries that are not copies of base rows', () => {
    const { base, queries, dim } = generateSynthetic(small)
    const first = queries.subarray(0, dim)
    for (let r = 0; r < small.n; r++) expect(base.subarray(r * dim, (r + 1) * dim)).not.toEqual(first)
  })
})

describe('decayProfile', () => {
  it('starts at 1 and decreases', () => {
    const s = decayProfile({ dim: 100, decayScale: 10, decayPower: 1 })
    expect(s[0]).toBe(1)
    for (let i = 1; i < 100; i++) expect(s[i]!).toBeLessThan(s[i - 1]!)
    expect(s[10]).toBeCloseTo(0.5)
  })
})
