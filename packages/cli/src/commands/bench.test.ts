import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseResult } from '@frugal/bench'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runFrugal } from '../testing/run-frugal.ts'

const fixture = fileURLToPath(new URL('../../../bench/test/fixtures/echo-target.mjs', import.meta.url))

/** Runs the real `frugal` binary as a child process. */
const frugal = (...args: string[]) => runFrugal(args, { cwd: dir })

let dir = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'frugal-bench-cli-'))
  await writeFile(
    join(dir, 'inputs.jsonl'),
    `${Array.from({ length: 30 }, (_, i) => JSON.stringify(i)).join('\n')}\n`,
  )
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const common = [
  '--inputs',
  'inputs.jsonl',
  '--energy',
  'estimate',
  '--tdp',
  '100',
  '--task',
  'ann',
  '--quiet',
]

describe('frugal bench', () => {
  it('keeps the flag contract in --help', async () => {
    const { code, stdout } = await frugal('bench', 'run', '--help')
    expect(code).toBe(0)
    for (const flag of ['--scenario', '--requests', '--duration', '--rate', '--batch', '--inputs', '--out']) {
      expect(stdout).toContain(flag)
    }
    const http = await frugal('bench', 'http', '--help')
    for (const flag of ['--url', '--scenario', '--body']) expect(http.stdout).toContain(flag)
  })

  it('runs a program over stdio, writes a valid result, and reports it', async () => {
    const single = await frugal(
      'bench',
      'run',
      '--scenario',
      'single_stream',
      '--requests',
      '25',
      ...common,
      '--out',
      'single.json',
      '--params',
      'sleep_ms=10,mode=echo',
      '--',
      process.execPath,
      fixture,
      '--sleep',
      '10',
    )
    expect(single.stderr).toMatch(/wrote single\.json/)
    expect(single.code).toBe(0)
    const result = parseResult(await readFile(join(dir, 'single.json'), 'utf8'), 'single.json')
    expect(result.status).toBe('complete')
    expect(result.metrics.requests).toBe(25)
    // The precision of the measurement is tested in @frugal/bench; here only that it is wired up.
    expect(result.metrics.latency_ms!.p50).toBeGreaterThanOrEqual(10)
    expect(result.metrics.latency_ms!.p50).toBeLessThan(40)
    expect(result.method.parameters).toEqual({ sleep_ms: 10, mode: 'echo' })
    expect(result.provenance.command).toMatch(/^frugal bench run --scenario single_stream --requests 25 /)
    expect(result.metrics.energy!.energy_method).toBe('estimate')

    const poisson = await frugal(
      'bench',
      'run',
      '--scenario',
      'poisson',
      '--rate',
      '40',
      '--requests',
      '30',
      ...common,
      '--out',
      'poisson.json',
      '--',
      process.execPath,
      fixture,
    )
    expect(poisson.code).toBe(0)

    const report = await frugal('bench', 'report', 'single.json', 'poisson.json')
    expect(report.code).toBe(0)
    const lines = report.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/p50 ms\s+p90 ms\s+p99 ms\s+items\/s/)
    expect(lines).toHaveLength(4)
    expect(lines[2]).toMatch(/single\.json\s+ann\s.*single_stream\s+complete/)
    expect(lines[3]).toMatch(/poisson\(40\.00\/s\)\s+complete/)
  })

  it('with --requests and --duration measures at least N requests for at least S seconds', async () => {
    const both = await frugal(
      'bench',
      'run',
      '--scenario',
      'single_stream',
      '--requests',
      '5',
      '--duration',
      '0.5',
      ...common,
      '--out',
      'both.json',
      '--',
      process.execPath,
      fixture,
      '--sleep',
      '20',
    )
    expect(both.code).toBe(0)
    const result = parseResult(await readFile(join(dir, 'both.json'), 'utf8'), 'both.json')
    expect(result.scenario).toMatchObject({ min_requests: 5, min_duration_s: 0.5 })
    expect(result.scenario.max_requests).toBeUndefined()
    expect(result.metrics.wall_time_s).toBeGreaterThanOrEqual(0.5)
    expect(result.metrics.requests).toBeGreaterThan(5)
  })

  it('exits non-zero on a crashing program and records the failure', async () => {
    const crashed = await frugal(
      'bench',
      'run',
      '--scenario',
      'fixed_batch',
      '--batch',
      '4',
      ...common,
      '--out',
      'crash.json',
      '--',
      process.execPath,
      fixture,
      '--fail',
      'crash:2',
    )
    expect(crashed.code).toBe(1)
    expect(crashed.stderr).toMatch(/run failed: .*exited with code 3/)
    const result = parseResult(await readFile(join(dir, 'crash.json'), 'utf8'), 'crash.json')
    expect(result.status).toBe('failed')
    const report = await frugal('bench', 'report', 'crash.json')
    expect(report.stdout).toMatch(/FAILED TARGET_CRASHED/)
  })

  it('refuses a result file that violates the schema, naming file and field', async () => {
    const good = JSON.parse(await readFile(join(dir, 'single.json'), 'utf8'))
    good.metrics.latency_ms.p50 = -1
    await writeFile(join(dir, 'bad.json'), JSON.stringify(good))
    const report = await frugal('bench', 'report', 'bad.json')
    expect(report.code).toBe(1)
    expect(report.stderr).toMatch(/refused bad\.json: metrics\.latency_ms\.p50/)
  })

  it.each([
    [['--scenario', 'single_stream', '--rat', '5'], /--rat: unknown flag/],
    [['--scenario', 'sometimes'], /--scenario: expected one of/],
    [['--scenario', 'poisson'], /--rate: the poisson scenario needs an arrival rate/],
    [['--scenario', 'fixed_batch', '--batch', 'x'], /--batch: expected an integer >= 1, got "x"/],
    [['--scenario', 'single_stream', '--requests', '-3'], /--requests: expected an integer/],
  ])('refuses bad flags %j with a message naming the flag', async (flags, message) => {
    const { code, stderr } = await frugal(
      'bench',
      'run',
      ...flags,
      ...common,
      '--out',
      'x.json',
      '--',
      'true',
    )
    expect(code).not.toBe(0)
    expect(stderr).toMatch(message)
  })

  it('refuses a run without a command or with unreadable inputs', async () => {
    const noCommand = await frugal(
      'bench',
      'run',
      '--scenario',
      'single_stream',
      ...common,
      '--out',
      'x.json',
    )
    expect(noCommand.code).toBe(2)
    expect(noCommand.stderr).toMatch(/--: give the command/)
    const missing = await frugal(
      'bench',
      'run',
      '--scenario',
      'single_stream',
      '--inputs',
      'missing.jsonl',
      '--out',
      'x.json',
      '--',
      'true',
    )
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/--inputs: cannot read missing\.jsonl/)
  })
})
