import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BenchError, type BenchResult, parseResult, resultJsonSchema } from './index.ts'
import { readResult, writeResult } from './node.ts'

/** A structurally valid result; the numbers only exercise the validator. */
function sampleResult(): BenchResult {
  return {
    schema_version: 1,
    task: 'ann',
    dataset: { name: 'synthetic-gaussian', size: 10_000, queries: 100, dims: 64 },
    method: { name: 'ivf-flat', family: 'ivf', parameters: { nlist: 64, nprobe: 8 } },
    target: { kind: 'stdio', description: 'node search.mjs' },
    scenario: {
      name: 'single_stream',
      batch_size: 1,
      min_requests: 100,
      min_duration_s: 1,
      time_budget_s: 60,
      warmup_requests: 10,
      seed: 42,
    },
    metrics: {
      wall_time_s: 2.5,
      requests: 100,
      items: 100,
      latency_ms: {
        p50: 20.1,
        p90: 21,
        p99: 22.5,
        mean: 20.3,
        min: 19.9,
        max: 23,
        count: 100,
        measured_from: 'send',
        method: 'performance.now, exact sort',
      },
      throughput: { items_per_s: 40, requests_per_s: 40, method: 'items / wall time' },
      memory: { peak_rss_bytes: 50_000_000, method: 'proc_vmhwm', scope: 'process_tree' },
      cpu: { cpu_seconds_per_item: 0.001, cpu_seconds_total: 0.1, method: 'proc_stat' },
      energy: {
        joules_per_item: 0.01,
        joules_total: 1,
        energy_method: 'estimate',
        tdp_watts: 200,
        tdp_source: 'table:AMD EPYC',
        detail: 'cpu seconds x TDP / cores',
      },
      quality: { values: { recall_at_10: 0.93 }, method: 'exact ground truth' },
    },
    status: 'complete',
    provenance: {
      machine: {
        cpu_model: 'AMD EPYC',
        cores: 2,
        memory_bytes: 8_000_000_000,
        os: 'Linux 6.18 x64',
        arch: 'x64',
        virtualised: true,
      },
      runtime: { node_version: 'v22.23.3', backend: 'js' },
      harness: { name: '@frugal/bench', version: '0.1.0' },
      git: { commit: 'a'.repeat(40), dirty: false },
      command: 'frugal bench run --scenario single_stream -- node search.mjs',
      date: '2026-11-29T21:00:00.000Z',
      seeds: { schedule: 42 },
    },
  }
}

function refusal(value: unknown): BenchError {
  try {
    parseResult(value, 'bad.json')
  } catch (error) {
    expect(error).toBeInstanceOf(BenchError)
    return error as BenchError
  }
  throw new Error('the file was accepted')
}

describe('result schema', () => {
  it('accepts a valid result and returns it unchanged', () => {
    const r = sampleResult()
    expect(parseResult(JSON.stringify(r), 'ok.json')).toEqual(r)
  })

  it('refuses a file that is not JSON, naming the file', () => {
    const e = refusal('{"schema_version": 1,')
    expect(e.code).toBe('INVALID_JSON')
    expect(e.file).toBe('bad.json')
    expect(e.message).toMatch(/^bad\.json: /)
  })

  it('refuses a wrong type and names the failing path', () => {
    const r = sampleResult() as unknown as { metrics: { latency_ms: { p50: unknown } } }
    r.metrics.latency_ms.p50 = '20ms'
    const e = refusal(r)
    expect(e.code).toBe('INVALID_RESULT')
    expect(e.path).toBe('metrics.latency_ms.p50')
    expect(e.message).toMatch(/bad\.json: metrics\.latency_ms\.p50/)
  })

  it('refuses unknown fields, so a typo in a unit cannot slip through', () => {
    const r = sampleResult() as unknown as { metrics: { latency_ms: Record<string, unknown> } }
    r.metrics.latency_ms['p95_s'] = 0.02
    expect(refusal(r).path).toBe('metrics.latency_ms')
  })

  it('refuses another schema version', () => {
    expect(refusal({ ...sampleResult(), schema_version: 2 }).path).toBe('schema_version')
  })

  it('refuses percentiles out of order', () => {
    const r = sampleResult()
    r.metrics.latency_ms!.p99 = 1
    expect(refusal(r).path).toBe('metrics.latency_ms')
  })

  it('refuses an energy method it does not know', () => {
    const r = sampleResult() as unknown as { metrics: { energy: { energy_method: string } } }
    r.metrics.energy.energy_method = 'guess'
    expect(refusal(r).path).toBe('metrics.energy.energy_method')
  })

  it('refuses a failed result without an error and a complete one with an error', () => {
    expect(refusal({ ...sampleResult(), status: 'failed' }).path).toBe('error')
    expect(refusal({ ...sampleResult(), error: { code: 'X', message: 'y' } }).path).toBe('error')
    expect(() =>
      parseResult(
        { ...sampleResult(), status: 'failed', error: { code: 'TARGET_CRASHED', message: 'exit 1' } },
        'f',
      ),
    ).not.toThrow()
  })

  it('refuses a complete online run without latency', () => {
    const r = sampleResult()
    delete r.metrics.latency_ms
    expect(refusal(r).path).toBe('metrics.latency_ms')
  })

  it('refuses a poisson scenario without a rate', () => {
    const r = sampleResult()
    r.scenario.name = 'poisson'
    r.metrics.poisson = { target_rate_per_s: 10, achieved_rate_per_s: 9.8 }
    expect(refusal(r).path).toBe('scenario.rate_per_s')
  })

  it('reads minor 1: generation metrics, quality scales, a streaming target (and refuses them without schema_minor 1)', () => {
    const r = sampleResult()
    r.schema_minor = 1
    r.target = { kind: 'http_stream', description: 'POST /v1/models/openelm/generate (stream: true)' }
    r.metrics.generation = {
      ttft_ms: { p50: 10, p90: 12, p99: 20, mean: 11 },
      tpot_ms: { p50: 2, p90: 3, p99: 4, mean: 2.5 },
      output_tokens_per_s: 400,
      prompt_tokens_mean: 128,
      output_tokens_mean: 32,
      method: 'first SSE token event',
    }
    r.metrics.quality = {
      values: { bits_per_byte: 1.7, accuracy: 0.5 },
      scales: { bits_per_byte: { direction: 'lower', min: 0, max: null } },
      method: 'test',
    }
    expect(parseResult(JSON.stringify(r), 'r.json')).toEqual(r)
    const old = structuredClone(r)
    delete old.schema_minor
    expect(refusal(old).path).toBe('schema_minor')
    const badScale = structuredClone(r)
    badScale.metrics.quality!.scales = { perplexity: { direction: 'lower', min: 1, max: null } }
    expect(refusal(badScale).path).toBe('metrics.quality.scales.perplexity')
    const outside = structuredClone(r)
    outside.metrics.quality!.values.bits_per_byte = -1
    expect(refusal(outside).path).toBe('metrics.quality.values.bits_per_byte')
    const order = structuredClone(r)
    order.metrics.generation!.ttft_ms.p99 = 1
    expect(refusal(order).path).toMatch(/^metrics\.generation\.ttft_ms/)
    const future = structuredClone(r)
    future.schema_minor = 2
    expect(refusal(future).path).toBe('schema_minor')
  })

  it('keeps the committed JSON Schema in step with the zod schema (run `pnpm run schema`)', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../schema/result.schema.json', import.meta.url), 'utf8'),
    )
    expect(committed).toEqual(JSON.parse(JSON.stringify(resultJsonSchema())))
  })
})

describe('result files', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('writes a result that reads back equal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-'))
    dirs.push(dir)
    const file = join(dir, 'sub', 'r.json')
    await writeResult(file, sampleResult())
    expect(await readResult(file)).toEqual(sampleResult())
  })

  it('writes nothing when the result is invalid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-'))
    dirs.push(dir)
    const file = join(dir, 'r.json')
    const bad = { ...sampleResult(), task: 'Not A Slug' }
    await expect(writeResult(file, bad)).rejects.toMatchObject({ code: 'INVALID_RESULT', path: 'task' })
    await expect(readFile(file)).rejects.toThrow()
  })

  it('refuses a file on disk that violates the schema', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-'))
    dirs.push(dir)
    const file = join(dir, 'r.json')
    await writeFile(file, JSON.stringify({ ...sampleResult(), status: 'done' }))
    await expect(readResult(file)).rejects.toMatchObject({ code: 'INVALID_RESULT', file, path: 'status' })
  })
})
