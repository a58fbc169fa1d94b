import { describe, expect, it } from 'vitest'
import { FlatIndex } from './flat.ts'
import { IvfIndex } from './ivf.ts'
import { loadIndex } from './load.ts'
import { errorCode, matryoshkaData } from './test-data.ts'
import { exactGroundTruth, measure, tune } from './tune.ts'

describe('tune', () => {
  const n = 3000
  const dim = 32
  const data = matryoshkaData(n, dim, 60, 7)
  const heldOut = matryoshkaData(40, dim, 60, 8)
  const fresh = () => IvfIndex.build(data, n, dim, { metric: 'cosine', nlist: 32, iterations: 6, seed: 2 })

  it('keeps a Pareto frontier of recall against FLOPs and stores it in the index', () => {
    const index = fresh()
    const frontier = tune(index, heldOut, { k: 10, base: data })
    expect(index.frontier).toBe(frontier)
    expect(frontier.length).toBeGreaterThan(1)
    for (let i = 1; i < frontier.length; i++) {
      expect(frontier[i]!.flops).toBeGreaterThan(frontier[i - 1]!.flops)
      expect(frontier[i]!.recall).toBeGreaterThan(frontier[i - 1]!.recall)
    }
    // Probing every list on all dims is exact, so the frontier must reach recall 1.
    expect(frontier.at(-1)!.recall).toBe(1)
    for (const p of frontier) expect(p.k).toBe(10)
  })

  it('answers budget and targetRecall from the frontier', () => {
    const index = fresh()
    const frontier = tune(index, heldOut, { k: 10, base: data })
    const truth = exactGroundTruth(data, n, dim, 'cosine', heldOut, 10)
    const mid = frontier[Math.floor(frontier.length / 2)]!
    const byBudget = index.search(heldOut.subarray(0, dim), 10, { budget: mid.flops })
    expect(byBudget.settings).toEqual(mid.settings)
    const target = (mid.recall + frontier[0]!.recall) / 2
    const byTarget = index.search(heldOut.subarray(0, dim), 10, { targetRecall: target })
    const cheapest = frontier.find((p) => p.recall >= target)!
    expect(byTarget.settings).toEqual(cheapest.settings)
    // The chosen setting really delivers the tuned recall on the tuning queries.
    const again = measure(index, heldOut, truth, 10, cheapest.settings)
    expect(again.recall).toBe(cheapest.recall)
    const batch = index.searchBatch(heldOut, 10, { targetRecall: 1 })
    expect(batch[0]!.settings).toEqual(frontier.at(-1)!.settings)
  })

  it('refuses unreachable targets and budgets, and searches without a frontier', () => {
    const index = fresh()
    const q = heldOut.subarray(0, dim)
    expect(errorCode(() => index.search(q, 10, { budget: 1e12 }))).toBe('NO_FRONTIER')
    expect(errorCode(() => index.search(q, 10, { targetRecall: 0.5 }))).toBe('NO_FRONTIER')
    tune(index, heldOut, { k: 10, base: data })
    expect(errorCode(() => index.search(q, 10, { budget: 10 }))).toBe('UNREACHABLE_TARGET')
    expect(errorCode(() => index.search(q, 10, { targetRecall: 1.5 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 10, { budget: -1 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 10, { budget: 1e9, targetRecall: 0.9 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => index.search(q, 10, { budget: 1e9, nprobe: 2 }))).toBe('INVALID_ARGUMENT')
    // A frontier that never reaches the target.
    index.frontier = index.frontier!.slice(0, 1)
    expect(errorCode(() => index.search(q, 10, { targetRecall: 1 }))).toBe('UNREACHABLE_TARGET')
  })

  it('persists the frontier through save and load', () => {
    const index = fresh()
    const frontier = tune(index, heldOut, {
      k: 10,
      base: data,
      grid: [
        { nprobe: 1, scanDims: 8 },
        { nprobe: 32, scanDims: 32 },
      ],
    })
    const loaded = loadIndex(index.serialize())
    expect(loaded.frontier).toEqual(frontier)
    const q = heldOut.subarray(0, dim)
    expect(loaded.search(q, 10, { targetRecall: 1 }).settings).toEqual(
      index.search(q, 10, { targetRecall: 1 }).settings,
    )
  })

  it('tunes a flat index over prefixes and re-ranking', () => {
    const flat = FlatIndex.build(data, n, dim, { metric: 'l2' })
    const frontier = tune(flat, heldOut, { k: 5, base: data })
    expect(frontier.at(-1)!.recall).toBe(1)
    expect(frontier.at(-1)!.flops).toBeGreaterThan(frontier[0]!.flops)
  })

  it('refuses missing ground truth and bad arguments', () => {
    const index = fresh()
    expect(errorCode(() => tune(index, heldOut, { k: 10 }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => tune(index, heldOut, { k: 0, base: data }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => tune(index, heldOut.subarray(1), { base: data }))).toBe('DIMENSION_MISMATCH')
    expect(errorCode(() => tune(index, new Float32Array(0), { base: data }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => tune(index, heldOut, { base: data, grid: [] }))).toBe('INVALID_ARGUMENT')
    expect(errorCode(() => tune(index, heldOut, { groundTruth: { ids: new Int32Array(3), k: 10 } }))).toBe(
      'DIMENSION_MISMATCH',
    )
    expect(index.frontier).toBeUndefined()
  })
})
