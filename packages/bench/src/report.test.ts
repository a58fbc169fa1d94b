import { describe, expect, it } from 'vitest'
import { runBenchmark } from './bench-node.ts'
import { BenchError } from './errors.ts'
import { formatReport } from './report.ts'
import { functionTarget, type Target } from './target.ts'

describe('formatReport', () => {
  it('prints one aligned row per result with units in the header and failures marked', async () => {
    const common = {
      inputs: [1, 2, 3],
      task: 'ann',
      dataset: { name: 'tiny', size: 3 },
      energy: false as const,
    }
    const ok = await runBenchmark({
      ...common,
      target: functionTarget(async (b) => b, { name: 'identity' }),
      method: { name: 'identity', parameters: {} },
      settings: {
        scenario: 'single_stream',
        minRequests: 5,
        maxRequests: 5,
        minDurationS: 0,
        warmupRequests: 0,
      },
      quality: () => ({ values: { recall_at_10: 1 }, method: 'identity is exact' }),
    })
    const bad = await runBenchmark({
      ...common,
      target: functionTarget(async () => [], { name: 'empty' }),
      method: { name: 'a-method-name-that-is-much-too-long-for-one-column', parameters: {} },
      settings: { scenario: 'fixed_batch', batchSize: 2, warmupRequests: 0 },
    })
    const lines = formatReport([
      { file: 'ok.json', result: ok },
      { file: 'bad.json', result: bad },
    ]).split('\n')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(
      /^file\s+task\s+method\s+scenario\s+status\s+p50 ms\s+p90 ms\s+p99 ms\s+items\/s/,
    )
    expect(lines[2]).toMatch(/^ok\.json\s+ann\s+identity\s+single_stream\s+complete\s/)
    expect(lines[2]).toMatch(/recall_at_10=1\.000$/)
    expect(lines[3]).toMatch(
      /a-method-name-that-is-much-too-long-f\.\.\.\s+fixed_batch\(2\)\s+FAILED TARGET_PROTOCOL/,
    )
    // Right-aligned numbers: every p50 cell ends in the same column.
    const end = lines[0]!.indexOf('p50 ms') + 'p50 ms'.length
    expect(lines[2]!.slice(end - 1, end)).toMatch(/\d/)
  })

  it('marks the share of requests a target shed in the status', async () => {
    // Sheds every odd input, as a server answering 503 + Retry-After would.
    const target: Target = {
      kind: 'function',
      description: 'sheds odd inputs',
      async request(batch) {
        if ((batch[0] as number) % 2 === 1) throw new BenchError('TARGET_SHED', 'HTTP 503 (Retry-After 1)')
        return [...batch]
      },
      async close() {},
    }
    const result = await runBenchmark({
      target,
      inputs: [1, 2, 3, 4],
      task: 'worker',
      dataset: { name: 'tiny', size: 4 },
      method: { name: 'half-shed', parameters: {} },
      energy: false,
      settings: { scenario: 'poisson', ratePerS: 500, minRequests: 8, minDurationS: 0, warmupRequests: 0 },
    })
    expect(result.status).toBe('complete')
    expect(result.metrics.poisson).toMatchObject({ shed_requests: 4, shed_fraction: 0.5 })
    expect(result.metrics.latency_ms?.count).toBe(4)
    const row = formatReport([{ file: 'shed.json', result }]).split('\n')[2]!
    expect(row).toMatch(/poisson\(500\.00\/s\)\s+complete, 50\.0% shed\s/)
  })
})
