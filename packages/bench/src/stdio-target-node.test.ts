import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { timerLatenessWhile } from '../test/timer-noise.ts'
import { runBenchmark } from './bench-node.ts'
import { parseResult } from './schema.ts'
import { stdioTarget } from './stdio-target-node.ts'
import type { Target } from './target.ts'

const fixture = fileURLToPath(new URL('../test/fixtures/echo-target.mjs', import.meta.url))
const inputs = Array.from({ length: 20 }, (_, i) => i + 1)
const common = {
  task: 'test',
  dataset: { name: 'integers', size: inputs.length },
  method: { name: 'echo', parameters: {} },
  energy: { only: 'estimate' as const, tdpWatts: 100 },
}

let open: Target[] = []
afterEach(async () => {
  for (const t of open) await t.close()
  open = []
})
function target(...args: string[]): Target {
  const t = stdioTarget([process.execPath, fixture, ...args])
  open.push(t)
  return t
}

describe('stdio target', () => {
  // Timing on a shared machine: a burst of load from other processes delays wake-ups.
  it('measures p50 within a few ms of a program that sleeps 20 ms per line', { retry: 2 }, async () => {
    const { value: result, latenessMs } = await timerLatenessWhile(
      runBenchmark({
        ...common,
        target: target('--sleep', '20'),
        inputs,
        settings: {
          scenario: 'single_stream',
          minRequests: 40,
          maxRequests: 40,
          minDurationS: 0,
          warmupRequests: 3,
        },
      }),
    )
    expect(result.status).toBe('complete')
    const latency = result.metrics.latency_ms!
    expect(latency.count).toBe(40)
    // A few ms: pipes and process wake-ups add a little; never less than the sleep. On a machine so busy
    // that timers fire late, the program's own sleep overruns too: the bound widens by twice that lateness.
    expect(latency.p50).toBeGreaterThanOrEqual(19.5)
    expect(latency.p50).toBeLessThan(25 + 2 * latenessMs)
    expect(latency.min).toBeGreaterThanOrEqual(19.5)
    // Closed loop: the wall time is the sum of the latencies plus the harness's own small gaps.
    const perS = result.metrics.throughput!.items_per_s
    expect(perS).toBeLessThanOrEqual(1000 / latency.mean)
    expect(perS).toBeGreaterThan(0.9 * (1000 / latency.mean))
    expect(() => parseResult(result, 'stdio.json')).not.toThrow()
  })

  it('measures the CPU seconds per item of the program, not of the harness', async () => {
    const result = await runBenchmark({
      ...common,
      target: target('--burn', '30'),
      inputs,
      settings: {
        scenario: 'single_stream',
        minRequests: 20,
        maxRequests: 20,
        minDurationS: 0,
        warmupRequests: 1,
      },
    })
    expect(result.status).toBe('complete')
    const cpu = result.metrics.cpu!
    expect(cpu.method).toBe('proc_stat')
    // 30 ms of busy loop per item; the clock-tick resolution is 10 ms over 600 ms in total.
    expect(cpu.cpu_seconds_per_item).toBeGreaterThan(0.025)
    expect(cpu.cpu_seconds_per_item).toBeLessThan(0.045)
    const energy = result.metrics.energy!
    expect(energy.energy_method).toBe('estimate')
    expect(energy.joules_total).toBeCloseTo((cpu.cpu_seconds_total * 100) / navigatorThreads(), 6)
  })

  it('measures the peak RSS of the program through /proc', async () => {
    const result = await runBenchmark({
      ...common,
      target: target('--alloc', '120'),
      inputs,
      settings: {
        scenario: 'single_stream',
        minRequests: 5,
        maxRequests: 5,
        minDurationS: 0,
        warmupRequests: 1,
      },
    })
    const memory = result.metrics.memory!
    expect(memory).toMatchObject({ method: 'proc_vmhwm', scope: 'process_tree' })
    expect(memory.peak_rss_bytes).toBeGreaterThan(120 * 1024 * 1024)
    expect(memory.peak_rss_bytes).toBeLessThan(400 * 1024 * 1024)
  })

  it('pipelines open-loop requests to a serial program and matches answers in order', async () => {
    const seen: [unknown, unknown][] = []
    const result = await runBenchmark({
      ...common,
      target: target('--sleep', '5'),
      inputs,
      settings: { scenario: 'poisson', ratePerS: 100, minRequests: 40, minDurationS: 0, warmupRequests: 0 },
      onOutputs: (ins, outs) => {
        for (const [i, x] of ins.entries()) seen.push([x, outs[i]])
      },
    })
    expect(result.status).toBe('complete')
    expect(result.metrics.latency_ms!.measured_from).toBe('scheduled_arrival')
    expect(seen).toHaveLength(40)
    for (const [x, y] of seen) expect(y).toBe((x as number) * 2)
  })

  it.each([
    ['crash:3', 'TARGET_CRASHED', /exited with code 3[\s\S]*boom: simulated failure/],
    ['wrong-count:3', 'TARGET_PROTOCOL', /expected 1 output \(one per input\), got 2/],
    ['non-json:3', 'TARGET_PROTOCOL', /not JSON: loading weights/],
  ])('a program failing with %s gives a clear error and no complete result', async (mode, code, message) => {
    const result = await runBenchmark({
      ...common,
      target: target('--fail', mode),
      inputs,
      settings: { scenario: 'single_stream', minRequests: 10, minDurationS: 0, warmupRequests: 0 },
    })
    expect(result.status).toBe('failed')
    expect(result.error!.code).toBe(code)
    expect(result.error!.message).toMatch(message)
    expect(result.metrics.requests).toBe(2)
    // A failed result is still a valid file, so the failure is on record.
    expect(parseResult(result, 'failed.json').status).toBe('failed')
  })

  it('fails a program that cannot be started', async () => {
    const missing = stdioTarget(['/nonexistent/program'])
    open.push(missing)
    const result = await runBenchmark({
      ...common,
      target: missing,
      inputs,
      settings: { scenario: 'single_stream', warmupRequests: 0 },
    })
    expect(result.status).toBe('failed')
    expect(result.error!.code).toBe('TARGET_CRASHED')
  })
})

describe('stdio offline protocol', () => {
  it.each([
    ['native ready/done/written lines', []],
    ["Pentathlon's sentinel lines, typo included", ['--pentathlon']],
  ])('runs with %s', async (_, args) => {
    const seen: [unknown, unknown][] = []
    const result = await runBenchmark({
      ...common,
      target: target('--sleep', '300', ...args),
      inputs,
      settings: { scenario: 'offline', batchSize: 60 },
      onOutputs: (ins, outs) => {
        for (const [i, x] of ins.entries()) seen.push([x, outs[i]])
      },
    })
    expect(result.status).toBe('complete')
    expect(result.metrics.items).toBe(60)
    expect(seen).toHaveLength(60)
    for (const [x, y] of seen) expect(y).toBe((x as number) * 2)
    // The timer covers the 300 ms of work between the ready and done lines, not the loading;
    // the harness stamps each line when it reads it, so a late read of "ready" may shave a
    // few milliseconds off.
    expect(result.metrics.wall_time_s).toBeGreaterThanOrEqual(0.25)
    expect(result.metrics.wall_time_s).toBeLessThan(1.5)
    expect(result.metrics.throughput!.items_per_s).toBeCloseTo(60 / result.metrics.wall_time_s, 6)
  })

  it('fails a program that exits without saying it is ready', async () => {
    const result = await runBenchmark({
      ...common,
      target: target('--fail', 'no-ready:0'),
      inputs,
      settings: { scenario: 'offline' },
    })
    expect(result.status).toBe('failed')
    expect(result.error!.message).toMatch(/exited before printing its "ready" line/)
  })
})

function navigatorThreads(): number {
  return (globalThis.navigator?.hardwareConcurrency as number | undefined) ?? 1
}
