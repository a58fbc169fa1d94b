import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const bin = new URL('./bin.ts', import.meta.url).pathname

/** Runs the real `frugal` binary as a child process. */
async function frugal(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args])
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

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
