import { describe, expect, it } from 'vitest'
import { Rng } from './random.ts'
import { TopK, topKIndices } from './topk.ts'

function reference(keys: number[], k: number): number[] {
  return keys
    .map((key, id) => ({ key, id }))
    .sort((a, b) => b.key - a.key || a.id - b.id)
    .slice(0, k)
    .map((e) => e.id)
}

describe('TopK', () => {
  it('keeps the k largest keys, best first, like a full sort', () => {
    const rng = new Rng(3)
    for (const [n, k] of [
      [1000, 10],
      [50, 50],
      [5, 10],
      [1000, 1],
    ] as const) {
      const keys = Array.from({ length: n }, () => Math.round(rng.next() * 100) / 10)
      const heap = new TopK(k)
      for (let i = 0; i < n; i++) if (keys[i]! >= heap.threshold) heap.push(i, keys[i]!)
      const ids = new Int32Array(k)
      const out = new Float64Array(k)
      const m = heap.drain(ids, out)
      const expected = reference(keys, k)
      expect(m).toBe(expected.length)
      expect(Array.from(ids.subarray(0, m))).toEqual(expected)
      expect(Array.from(out.subarray(0, m))).toEqual(expected.map((i) => keys[i]))
    }
  })

  it('breaks ties by the smaller id whatever the arrival order', () => {
    const forward = new TopK(3)
    const backward = new TopK(3)
    for (let i = 0; i < 10; i++) forward.push(i, 1)
    for (let i = 9; i >= 0; i--) backward.push(i, 1)
    const a = new Int32Array(3)
    const b = new Int32Array(3)
    forward.drain(a, new Float64Array(3))
    backward.drain(b, new Float64Array(3))
    expect(Array.from(a)).toEqual([0, 1, 2])
    expect(Array.from(b)).toEqual([0, 1, 2])
  })

  it('is reusable after drain', () => {
    const heap = new TopK(2)
    heap.push(0, 5)
    heap.push(1, 6)
    heap.drain(new Int32Array(2), new Float64Array(2))
    expect(heap.size).toBe(0)
    expect(heap.threshold).toBe(Number.NEGATIVE_INFINITY)
    heap.push(7, 1)
    const ids = new Int32Array(2)
    expect(heap.drain(ids, new Float64Array(2))).toBe(1)
    expect(ids[0]).toBe(7)
  })

  it('selects indices of the largest values', () => {
    expect(Array.from(topKIndices(new Float64Array([1, 9, 3, 9, 7]), 5, 3))).toEqual([1, 3, 4])
  })
})
