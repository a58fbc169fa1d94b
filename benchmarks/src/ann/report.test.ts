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

describe('graph target ratios', () => {
  it('compare the fastest graph setting at each recall level with hnswlib-node, and its build', () => {
    const rows = [
      row('graph', 'ef=32', 0.96, 3000, { methodId: 'graph-dg64', indexBytes: 700, buildSeconds: 30 }),
      row('graph', 'ef=128', 0.991, 900, { methodId: 'graph-dg64', indexBytes: 700, buildSeconds: 30 }),
      row('graph', 'ef=16', 0.97, 2000, { methodId: 'graph-dg128', indexBytes: 800, buildSeconds: 50 }),
      row('hnswlib', 'ef=16', 0.96, 1500, { indexBytes: 1000, buildSeconds: 40 }),
      row('hnswlib', 'ef=64', 0.995, 1000, { indexBytes: 1000, buildSeconds: 40 }),
    ]
    const byName = Object.fromEntries(targetRatios(rows, 100, 256).map((r) => [r.name, r]))
    expect(byName['graph QPS / hnswlib-node QPS at recall@10 >= 0.95']?.value).toBe(2)
    expect(byName['graph QPS / hnswlib-node QPS at recall@10 >= 0.99']).toMatchObject({
      value: 0.9,
      met: false,
    })
    expect(byName['graph index memory / hnswlib-node index memory']).toMatchObject({ value: 0.7, met: true })
    expect(byName['graph build time / hnswlib-node build time']).toMatchObject({ value: 0.75, met: true })
  })
})
