import { describe, expect, it } from 'vitest'
import { cheapestAt, fastestAt, paretoFrontier, type Row, targetRatios } from './report.ts'

function row(
  group: Row['group'],
  setting: string,
  recall: number,
  qps: number,
  extra: Partial<Row> = {},
): Row {
  return {
    methodId: group,
    group,
    method: group,
    setting,
    params: {},
    recall,
    qps,
    qpsCpu: qps,
    p50Ms: 1,
    p99Ms: 2,
    flops: undefined,
    buildSeconds: 1,
    cached: false,
    indexBytes: 1000,
    bytesPerVector: 10,
    peakRssOverDataBytes: 0,
    peakRssBytes: 0,
    facts: {},
    ...extra,
  }
}

describe('paretoFrontier', () => {
  it('keeps exactly the points no other point beats in both recall and QPS', () => {
    const rows = [
      row('flat', 'a', 1, 10),
      row('hnswlib', 'b', 0.9, 100),
      row('hnswlib', 'c', 0.8, 50),
      row('usearch', 'd', 0.95, 60),
    ]
    expect(paretoFrontier(rows).map((r) => r.setting)).toEqual(['b', 'd', 'a'])
  })
})

describe('fastestAt / cheapestAt', () => {
  it('pick among rows that reach the recall', () => {
    const rows = [
      row('adanns-ivf', 'slow', 0.97, 100, { flops: 5e5 }),
      row('adanns-ivf', 'fast', 0.96, 300, { flops: 9e5 }),
      row('adanns-ivf', 'low', 0.5, 900, { flops: 1e4 }),
    ]
    expect(fastestAt(rows, ['adanns-ivf'], 0.95)?.setting).toBe('fast')
    expect(cheapestAt(rows, 'adanns-ivf', 0.95)?.setting).toBe('slow')
    expect(fastestAt(rows, ['adanns-ivf'], 0.99)).toBeUndefined()
  })
})

describe('targetRatios', () => {
  it('computes the speed, memory and FLOP ratios from the rows', () => {
    const rows = [
      row('flat', 'd=768', 1, 10),
      row('adanns-ivf', 'x', 0.96, 2000, { flops: 1e5, indexBytes: 100 }),
      row('rigid-ivf', 'y', 0.96, 500, { flops: 8e5 }),
      row('hnswlib', 'ef=64', 0.97, 1000, { indexBytes: 1000 }),
    ]
    const byName = Object.fromEntries(targetRatios(rows, 100, 768).map((r) => [r.name, r]))
    expect(byName['AdANNS-IVF QPS / hnswlib-node QPS at recall@10 >= 0.95']?.value).toBe(2)
    expect(byName['AdANNS-IVF index memory / hnswlib-node index memory']?.met).toBe(true)
    expect(byName['AdANNS-IVF QPS / TS flat scan QPS (AdANNS at recall >= 0.95)']?.value).toBe(200)
    expect(byName['rigid IVF FLOPs / AdANNS-IVF FLOPs at recall@10 >= 0.95']?.value).toBe(8)
  })
})
