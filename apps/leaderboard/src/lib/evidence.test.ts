import type { BenchResult } from '@frugal/bench'
import { describe, expect, it } from 'vitest'
import { evidenceOf, implementationStatus } from './evidence.ts'

const run = (name: string, id: string | undefined, status: 'complete' | 'failed' = 'complete') => ({
  data: { status, method: { name, ...(id ? { id } : {}), parameters: {} } } as unknown as BenchResult,
})

describe('evidence of an implementation', () => {
  const results = [
    run('AdANNS-IVF (d_c = 64)', 'adanns'),
    run('adaptive baseline', undefined),
    run('AdANNS-OPQ', 'adanns', 'failed'),
    run('binary codes + re-rank (BTR paper)', undefined),
  ]

  it('matches results by exact method id, never by a substring of a name ("apt" is not "adaptive")', () => {
    expect(evidenceOf(results, { id: 'adanns' }).map((r) => r.data.method.name)).toEqual([
      'AdANNS-IVF (d_c = 64)',
    ])
    expect(evidenceOf(results, { id: 'apt' })).toEqual([])
    expect(evidenceOf(results, { id: 'btr' })).toEqual([])
    expect(evidenceOf(results, 'any-result')).toHaveLength(3)
  })

  it('says implemented only with every file present and a result of the method', () => {
    const all = () => true
    expect(implementationStatus(['a.ts'], all, 1)).toMatchObject({ implemented: true })
    // Files exist but no benchmark result names the method: not implemented (BTR, efficient ODQA).
    expect(implementationStatus(['a.ts'], all, 0)).toMatchObject({ implemented: false, hasEvidence: false })
    expect(implementationStatus(['a.ts', 'b.ts'], (p) => p === 'a.ts', 3)).toMatchObject({
      implemented: false,
      missingPaths: ['b.ts'],
    })
    expect(implementationStatus([], all, 3).implemented).toBe(false)
  })
})
