import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createProgress, type Progress } from '@frugal/bench/node'
import type { MethodPlan } from './grid.ts'
import type { TimingPlan } from './measure.ts'
import type { MethodMeasurement, WorkerJob, WorkerMessage } from './worker.ts'

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url))

export type MethodOutcome =
  | { plan: MethodPlan; ok: true; measurement: MethodMeasurement }
  | { plan: MethodPlan; ok: false; error: string }

export interface RunOptions {
  dataDir: string
  workRoot: string
  reuse: boolean
  /** Part of the cache key of Frugal indexes: the revision of the @frugal/ann sources. */
  annRevision: string
  plan: TimingPlan
  quiet: boolean
  log: (line: string) => void
}

/** Runs one method in a child process (same Node, no inspector) and collects its measurements. */
export function runMethod(method: MethodPlan, o: RunOptions): Promise<MethodOutcome> {
  return new Promise((resolve) => {
    const child = fork(WORKER, [], {
      execArgv: ['--disable-warning=ExperimentalWarning', '--max-old-space-size=8192'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    })
    let bar: Progress | undefined
    let barStage = ''
    let settingsDone = 0
    let result: MethodMeasurement | undefined
    let error: string | undefined
    const stopBar = () => {
      bar?.stop()
      bar = undefined
      barStage = ''
    }
    child.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'progress':
          if (m.stage !== barStage) {
            stopBar()
            barStage = m.stage
            bar = createProgress(`${method.id} ${m.stage}`, m.total, {
              quiet: o.quiet,
              lines: true,
              labelWidth: 28,
            })
          }
          bar?.update(m.done, m.total)
          break
        case 'log':
          stopBar()
          o.log(`  ${method.id}: ${m.line}`)
          break
        case 'setting': {
          if (barStage !== 'search') {
            stopBar()
            barStage = 'search'
            bar = createProgress(`${method.id} search`, method.settings.length, {
              quiet: o.quiet,
              lines: true,
              labelWidth: 28,
            })
          }
          bar?.update(++settingsDone)
          break
        }
        case 'result':
          result = m.result
          break
        case 'error':
          error = m.message
          break
      }
    })
    child.on('exit', (code, signal) => {
      stopBar()
      if (result) resolve({ plan: method, ok: true, measurement: result })
      else
        resolve({ plan: method, ok: false, error: error ?? `worker exited with ${signal ?? `code ${code}`}` })
    })
    const job: WorkerJob = {
      dataDir: o.dataDir,
      driver: method.driver,
      params: method.params,
      settings: method.settings,
      plan: o.plan,
      workDir: `${o.workRoot}/${method.id}-${hashParams(method, method.driver.startsWith('frugal') ? o.annRevision : '')}`,
      reuse: o.reuse,
    }
    child.send(job)
  })
}

function hashParams(method: MethodPlan, revision: string): string {
  let h = 2166136261
  for (const ch of JSON.stringify(
    revision ? [method.driver, method.params, revision] : [method.driver, method.params],
  ))
    h = Math.imul(h ^ ch.charCodeAt(0), 16777619)
  return (h >>> 0).toString(16)
}
