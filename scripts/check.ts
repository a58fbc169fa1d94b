// `pnpm run check` (what `npm test` runs): biome, then typecheck, test and publint of every
// package through turbo (all of them, even after a failure), then the closing
// "N passed, N failed" line of scripts/test-summary.ts, printed whatever happened before it.
// Exits non-zero if any step failed.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname

/** Runs a command in the repo root with inherited output; returns its exit code. */
function run(command: string, args: string[]): number {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  return result.status ?? 1
}

// Reports of an earlier run must not be counted as this run's (turbo restores cached ones).
for (const group of ['apps', 'packages', 'workers']) {
  const dir = join(root, group)
  if (!existsSync(dir)) continue
  for (const name of readdirSync(dir)) rmSync(join(dir, name, '.tmp', 'vitest-report.json'), { force: true })
}
rmSync(join(root, 'benchmarks', '.tmp', 'vitest-report.json'), { force: true })

const bin = (name: string) => join(root, 'node_modules', '.bin', name)
const lint = run(bin('biome'), ['check', '.'])
const turbo = run(bin('turbo'), [
  'run',
  'typecheck',
  'test',
  'publint',
  '--output-logs=new-only',
  '--concurrency=2',
  '--continue',
])
const summary = run(process.execPath, [join(root, 'scripts', 'test-summary.ts')])
if (lint !== 0) console.error('biome check failed (see above)')
if (turbo !== 0) console.error('a typecheck, test or publint task failed (see above)')
process.exit(lint || turbo || summary)
