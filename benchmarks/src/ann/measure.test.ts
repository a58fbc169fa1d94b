import { describe, expect, it } from 'vitest'
import { measureSetting } from './measure.ts'

describe('measureSetting', () => {
  it('never measures a warm-up query and reports wall-clock QPS over the measured ones', () => {
    const nq = 30
    const calls: number[] = []
    const gt = new Int32Array(nq * 10)
    for (let q = 0; q < nq; q++) for (let j = 0; j < 10; j++) gt[q * 10 + j] = q * 100 + j
    const m = measureSetting(
      (qi) => {
        calls.push(qi)
        const until = performance.now() + 0.2
        while (performance.now() < until) {}
        return { ids: Array.from({ length: 10 }, (_, j) => qi * 100 + j), flops: undefined }
      },
      nq,
      gt,
      10,
      { k: 10, warmup: 5, minQueries: 10, maxSeconds: 60 },
      'x',
      {},
    )
    expect(m.warmup).toBe(5)
    expect(m.queries).toBe(25)
    expect(calls.slice(0, 5)).toEqual([29, 28, 27, 26, 25])
    expect(calls.slice(5)).toEqual(Array.from({ length: 25 }, (_, i) => i))
    expect(m.recall).toBe(1)
    // 25 queries of at least 0.2 ms each: the wall-clock rate cannot exceed 5,000 per second.
    expect(m.qps).toBeLessThanOrEqual(5000)
    expect(m.qps).toBeCloseTo(m.queries / m.wallSeconds, 6)
  })

  it('keeps at least minQueries measured when the set is small', () => {
    const m = measureSetting(
      () => ({ ids: [], flops: undefined }),
      12,
      new Int32Array(120),
      10,
      { k: 10, warmup: 50, minQueries: 10, maxSeconds: 1 },
      'x',
      {},
    )
    expect(m.warmup).toBe(2)
    expect(m.queries).toBe(10)
  })
})
