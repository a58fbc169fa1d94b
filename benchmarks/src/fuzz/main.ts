/**
 * The long mode of the fuzzer: structure-aware mutations of every parser of outside bytes,
 * for a time budget, in worker threads watched by this thread. A case that does not finish
 * within `--hang-seconds` is a hang (its thread is terminated and replaced); a thread that
 * dies is a crash; both are pinned to their case (seed + index) to reproduce. Writes one
 * @frugal/bench result file with the counts of every outcome class.
 *
 *   pnpm --filter @frugal/benchmarks run bench:fuzz [--seconds 600] [--cases N] [--seed 1] [--threads 1]
 */
import { mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import type { BenchResult } from '@frugal/bench'
import { collectProvenance, writeResult } from '@frugal/bench/node'
import { emptyTally, type FuzzTally, record } from './run.ts'
import { OUTCOMES, type Outcome } from './targets.ts'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(here, '../../..')
const { values: flags } = parseArgs({
  options: {
    out: { type: 'string', default: join(repoRoot, 'benchmarks/results/fuzz') },
    seconds: { type: 'string', default: '600' },
    cases: { type: 'string', default: String(Number.MAX_SAFE_INTEGER) },
    seed: { type: 'string', default: '1' },
    threads: { type: 'string', default: '1' },
    documents: { type: 'string', default: '160' },
    'hang-seconds': { type: 'string', default: '20' },
  },
})
const seconds = Number(flags.seconds)
const maxCases = Number(flags.cases)
const seed = Number(flags.seed)
const threads = Math.max(1, Number(flags.threads))
const hangMs = Number(flags['hang-seconds']) * 1000
const BATCH = 200

const tally: FuzzTally = emptyTally()
let next = 0
let targetNames: string[] = []
const started = performance.now()
const deadline = started + seconds * 1000

/** Runs one thread until the deadline; replaces itself after a hang or a crash. */
function thread(): Promise<void> {
  return new Promise((done) => {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), {
      workerData: { seed, documents: Number(flags.documents), hangMs },
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
    })
    let current: { index: number; target: string } | undefined
    let watchdog: NodeJS.Timeout | undefined
    let finished = false
    const arm = () => {
      clearTimeout(watchdog)
      watchdog = setTimeout(() => {
        if (current) {
          record(
            tally,
            {
              target: current.target,
              mutation: 'watchdog',
              outcome: 'hang',
              detail: `no answer in ${hangMs} ms`,
            },
            `${seed}:${current.index}`,
          )
        }
        void worker.terminate()
      }, hangMs)
    }
    const assign = () => {
      if (performance.now() > deadline || next >= maxCases) {
        finished = true
        clearTimeout(watchdog)
        void worker.terminate()
        return
      }
      const count = Math.min(BATCH, maxCases - next)
      worker.postMessage({ from: next, count })
      next += count
    }
    worker.on(
      'message',
      (m: {
        type: string
        index?: number
        target?: string
        targets?: string[]
        result?: Parameters<typeof record>[1]
      }) => {
        if (m.type === 'ready') {
          targetNames = m.targets!
          assign()
        } else if (m.type === 'start') {
          current = { index: m.index!, target: m.target! }
          arm()
        } else if (m.type === 'done') {
          record(tally, m.result!, `${seed}:${m.index}`)
          current = undefined
          if (performance.now() > deadline) {
            finished = true
            clearTimeout(watchdog)
            void worker.terminate()
          }
        } else if (m.type === 'idle') assign()
      },
    )
    worker.on('error', (error) => {
      if (current) {
        record(
          tally,
          {
            target: current.target,
            mutation: 'thread died',
            outcome: 'crash',
            detail: String(error).slice(0, 300),
          },
          `${seed}:${current.index}`,
        )
        current = undefined
      }
    })
    worker.on('exit', () => {
      clearTimeout(watchdog)
      if (current && !finished) {
        // Terminated by the watchdog (already counted as a hang) or died without an error event.
        current = undefined
      }
      // The cases the dead thread still held are skipped; a fresh thread carries on.
      if (!finished && performance.now() < deadline && next < maxCases) done(thread())
      else done()
    })
  })
}

await Promise.all(Array.from({ length: threads }, thread))
const wallS = (performance.now() - started) / 1000
const bad = tally.outcomes.untyped + tally.outcomes.hang + tally.outcomes.crash + tally.outcomes.broken
console.error(
  `${tally.cases} cases in ${wallS.toFixed(0)} s (${(tally.cases / wallS).toFixed(0)}/s), seed ${seed}`,
)
for (const o of OUTCOMES) console.error(`  ${o.padEnd(8)} ${tally.outcomes[o]}`)
for (const [t, counts] of Object.entries(tally.byTarget))
  console.error(`  ${t.padEnd(20)} ${OUTCOMES.map((o) => `${o} ${counts[o as Outcome]}`).join(', ')}`)
for (const f of tally.findings)
  console.error(`  FOUND ${f.outcome} in ${f.target} (${f.mutation}): ${f.detail}`)

const values: Record<string, number> = {}
for (const o of OUTCOMES) values[`cases_${o}`] = tally.outcomes[o]
for (const [t, counts] of Object.entries(tally.byTarget))
  for (const o of OUTCOMES) values[`${t.replace(/[^a-z0-9]+/g, '_')}_${o}`] = counts[o as Outcome]
const command = `pnpm --filter @frugal/benchmarks run bench:fuzz${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`
const result: BenchResult = {
  schema_version: 1,
  task: 'fuzz',
  dataset: {
    name: 'index sets of every dense kind (flat, ivf, ivfpq, binary) + LSA, from bundled SOTU passages',
    size: Number(flags.documents),
    source: '@frugal/datasets loadDefaultCorpus()',
  },
  method: {
    name: 'structure-aware-mutation',
    family: 'fuzzing',
    parameters: {
      targets: targetNames.join(','),
      threads,
      hang_ms: hangMs,
      documents: Number(flags.documents),
    },
  },
  target: {
    kind: 'function',
    description:
      'loadIndex, LsaEmbedder.load, parseManifest, loadIndexSet (every file, manifest re-sealed or not), readUpload (tar); then search/embed checks',
  },
  scenario: {
    name: 'offline',
    batch_size: 1,
    min_requests: 0,
    min_duration_s: seconds,
    time_budget_s: seconds,
    warmup_requests: 0,
    seed,
  },
  metrics: {
    wall_time_s: wallS,
    requests: tally.cases,
    items: tally.cases,
    throughput: {
      items_per_s: tally.cases / wallS,
      requests_per_s: tally.cases / wallS,
      method: 'mutated inputs tried / wall time of the run (seed building included)',
    },
    quality: {
      values,
      method:
        'counts of outcomes: refused (typed error), works (loaded and every check passed), untyped, hang, crash, broken (loaded, then a search/embedding failed or was non-finite)',
    },
  },
  status: bad === 0 ? 'complete' : 'failed',
  ...(bad === 0
    ? {}
    : { error: { code: 'DEFECTS_FOUND', message: `${bad} cases ended untyped, hung, crashed or broken` } }),
  provenance: collectProvenance({ command, backend: 'js', seeds: { mutation: seed } }),
  notes: tally.findings.length > 0 ? JSON.stringify(tally.findings.slice(0, 20)) : undefined,
}
await mkdir(flags.out, { recursive: true })
const file = join(flags.out, `fuzz-seed-${seed}.json`)
await writeResult(file, result)
console.error(`wrote ${file}`)
process.exit(bad === 0 ? 0 : 1)
