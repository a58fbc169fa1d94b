import { describe, expect, it } from 'vitest'
import { Rng } from './random.ts'

describe('Rng', () => {
  it('repeats its sequence for the same seed and differs across seeds', () => {
    const a = new Rng(42)
    const b = new Rng(42)
    const c = new Rng(43)
    const sa = Array.from({ length: 8 }, () => a.nextUint32())
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(sa)
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(sa)
  })

  it('draws uniform floats in [0, 1) and unbiased integers', () => {
    const rng = new Rng(1)
    const counts = new Int32Array(10)
    for (let i = 0; i < 20_000; i++) {
      const x = rng.next()
      if (!(x >= 0 && x < 1)) throw new Error(`out of range: ${x}`)
      counts[rng.int(10)]!++
    }
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(250)
  })

  it('draws standard normals', () => {
    const rng = new Rng(5)
    let sum = 0
    let sq = 0
    const n = 20_000
    for (let i = 0; i < n; i++) {
      const g = rng.gaussian()
      sum += g
      sq += g * g
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.05)
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05)
  })

  it('samples distinct indices in range, densely and sparsely', () => {
    const rng = new Rng(9)
    for (const [n, m] of [
      [100, 80],
      [1_000_000, 50],
      [10, 20],
    ] as const) {
      const s = rng.sample(n, m)
      expect(s.length).toBe(Math.min(n, m))
      expect(new Set(s).size).toBe(s.length)
      for (const v of s) expect(v >= 0 && v < n).toBe(true)
    }
  })
})
