/**
 * One method in its own process: load the prepared data, build (or reuse) the index, measure every
 * setting, report over IPC. A process per method keeps peak-RSS numbers apart and lets a crashing
 * native peer fail alone.
 */
import { type AnnDataset, loadPrepared } from './dataset.ts'
import { DRIVERS, type DriverName, type Params } from './drivers.ts'
import { measureSetting, type SettingMeasurement, type TimingPlan } from './measure.ts'

export interface WorkerJob {
  dataDir: string
  driver: DriverName
  params: Params
  settings: { label: string; params: Params }[]
  plan: TimingPlan
  workDir: string
  reuse: boolean
}

export interface MethodMeasurement {
  cached: boolean
  buildSeconds: number
  indexBytes: number
  bytesMethod: string
  facts: Record<string, number>
  /** RSS after the data set was loaded, before the build. */
  rssAfterLoadBytes: number
  /** Peak RSS of the process (process.resourceUsage().maxRSS) at the end. */
  peakRssBytes: number
  cpuSeconds: number
  settings: SettingMeasurement[]
}

export type WorkerMessage =
  | { type: 'progress'; stage: string; done: number; total: number }
  | { type: 'log'; line: string }
  | { type: 'setting'; measurement: SettingMeasurement }
  | { type: 'result'; result: MethodMeasurement }
  | { type: 'error'; message: string }

function send(message: WorkerMessage): void {
  process.send?.(message)
}

async function run(job: WorkerJob): Promise<MethodMeasurement> {
  const data: AnnDataset = loadPrepared(job.dataDir)
  const rssAfterLoadBytes = process.memoryUsage().rss
  const cpu0 = process.cpuUsage()
  const built = await DRIVERS[job.driver](job.params, {
    data,
    workDir: job.workDir,
    reuse: job.reuse,
    progress: (stage, done, total) => send({ type: 'progress', stage, done, total }),
    log: (line) => send({ type: 'log', line }),
  })
  const settings: SettingMeasurement[] = []
  for (const s of job.settings) {
    const search = built.index.searcher(s.params)
    const m = measureSetting(search, data.meta.queries, data.gt, data.meta.gtK, job.plan, s.label, s.params)
    settings.push(m)
    send({ type: 'setting', measurement: m })
  }
  const cpu = process.cpuUsage(cpu0)
  return {
    cached: built.cached,
    buildSeconds: built.buildSeconds,
    indexBytes: built.index.indexBytes,
    bytesMethod: built.index.bytesMethod,
    facts: built.index.facts,
    rssAfterLoadBytes,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    settings,
  }
}

process.once('message', (job: WorkerJob) => {
  run(job).then(
    (result) => {
      send({ type: 'result', result })
      process.disconnect?.()
    },
    (error: unknown) => {
      const e = error as Error
      send({ type: 'error', message: e?.message ?? String(error) })
      process.disconnect?.()
    },
  )
})
