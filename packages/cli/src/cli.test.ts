import { describe, expect, it } from 'vitest'
import { runFrugal } from './testing/run-frugal.ts'

/** Runs the real `frugal` binary as a child process. */
const frugal = (...args: string[]) => runFrugal(args)

describe('frugal', () => {
  it('lists its subcommands in --help', async () => {
    const { code, stdout } = await frugal('--help')
    expect(code).toBe(0)
    expect(stdout).toMatch(/USAGE/)
    expect(stdout).toMatch(/info/)
  })

  it('prints machine info as JSON', async () => {
    const { code, stdout } = await frugal('info', '--json')
    expect(code).toBe(0)
    const info = JSON.parse(stdout) as { cores: number; node: string }
    expect(info.cores).toBeGreaterThan(0)
    expect(info.node).toMatch(/^v\d+/)
  })

  it('fails with a non-zero exit code on an unknown subcommand', async () => {
    const { code, stderr, stdout } = await frugal('no-such-command')
    expect(code).not.toBe(0)
    expect(`${stdout}${stderr}`).toMatch(/no-such-command/)
  })
})
