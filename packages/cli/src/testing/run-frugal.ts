import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const bin = fileURLToPath(new URL('../bin.ts', import.meta.url))

/** What a `frugal` process printed and how it exited. */
export interface FrugalRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs the real `frugal` binary as a child process (tests only); never throws on a non-zero exit. */
export async function runFrugal(args: string[], options: { cwd?: string } = {}): Promise<FrugalRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], options)
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}
