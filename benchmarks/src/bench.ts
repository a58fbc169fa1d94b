/**
 * `pnpm bench`: every default suite, one after another, each in its own process so that one
 * suite's memory does not colour the next one's numbers. Extra arguments go to every suite.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * The default suites with budgets that keep `pnpm bench` near ten minutes on 2 cores; each
 * suite run alone (`bench:ann`, `bench:retrieval`, `bench:worker`) uses its full default size.
 */
const SUITES: { name: string; entry: string; args: string[] }[] = [
  { name: 'ann', entry: './ann/main.ts', args: ['--size', '20000', '--nq', '500'] },
  { name: 'retrieval', entry: './retrieval/main.ts', args: ['--collections', 'cranfield'] },
  { name: 'worker', entry: './worker/main.ts', args: ['--size', '10000'] },
]

const extra = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'))
let failed = 0
for (const suite of SUITES) {
  process.stderr.write(`\n### suite ${suite.name}\n`)
  const started = performance.now()
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(new URL(suite.entry, import.meta.url)), ...suite.args, ...extra],
    {
      stdio: 'inherit',
    },
  )
  const seconds = ((performance.now() - started) / 1000).toFixed(0)
  if (r.status !== 0) {
    failed++
    process.stderr.write(`suite ${suite.name} FAILED (exit ${r.status ?? r.signal}) after ${seconds} s\n`)
  } else {
    process.stderr.write(`suite ${suite.name} done in ${seconds} s\n`)
  }
}
process.exit(failed ? 1 : 0)
