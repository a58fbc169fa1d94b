/**
 * Synth suite: how fast the scene world and CtrlSynth produce samples, stage by stage, side by
 * side in one run (graph + text + QA alone; + rendering; + PNG at 64/96/128 px; CtrlSynth
 * image→image and text→image with the closed-loop filter). One request = one sample, single
 * stream; results in the @frugal/bench schema, ratios against the full 96-px pipeline that
 * `frugal synth scenes` runs (minus file writes).
 *
 *   pnpm --filter @frugal/benchmarks run bench:synth [--requests 600] [--out results]
 */
import { mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { type BenchResult, functionTarget } from '@frugal/bench'
import { runBenchmark, writeResult } from '@frugal/bench/node'
import {
  encodePng,
  generateSample,
  parsePolicy,
  renderScene,
  SCENE_WORLD_VERSION,
  type SceneSample,
  synthesize,
} from '@frugal/synth'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(here, '../../..')
const argv = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'))
const { values: flags } = parseArgs({
  args: argv,
  options: {
    out: { type: 'string', default: join(repoRoot, 'benchmarks/results') },
    requests: { type: 'string', default: '600' },
    seed: { type: 'string', default: '1' },
  },
})
const requests = Number(flags.requests)
const seed = Number(flags.seed)
if (!Number.isInteger(requests) || requests < 10) throw new Error('--requests must be an integer >= 10')

const sample = (index: number, size = 96): SceneSample =>
  generateSample({ seed, split: 'train', index }, { width: size, height: size })
const removeStars = parsePolicy({ seed: 1, ops: [{ op: 'remove', where: { shape: 'star' } }] })
// CtrlSynth inputs are made ahead, so its rows time the pipeline alone.
const sources = Array.from({ length: requests + 20 }, (_, i) => sample(i))

interface Method {
  name: string
  stage: string
  size: number
  run: (index: number) => Promise<number> | number
}
const methods: Method[] = [
  { name: 'scene-graph-text-qa', stage: 'graph + captions + QA', size: 96, run: (i) => sample(i).qa.length },
  {
    name: 'scene-render-96',
    stage: '+ render',
    size: 96,
    run: (i) => renderScene(sample(i).graph).data.length,
  },
  ...[64, 96, 128].map((size) => ({
    name: `scene-render-png-${size}`,
    stage: '+ render + PNG',
    size,
    run: (i: number) => encodePng(renderScene(sample(i, size).graph)).length,
  })),
  ...(['image-image', 'text-image'] as const).map((path) => ({
    name: `ctrlsynth-${path}-filter`,
    stage: `CtrlSynth ${path}, remove stars, filter`,
    size: 96,
    run: async (i: number) => {
      const out = await synthesize({ record: sources[i % sources.length]! }, i, {
        policy: removeStars,
        path,
        filter: true,
      })
      return out.kept ? (out.png?.length ?? 0) : -1
    },
  })),
]

const command = `pnpm --filter @frugal/benchmarks run bench:synth${argv.length ? ` -- ${argv.join(' ')}` : ''}`
await mkdir(flags.out, { recursive: true })
const rows: { method: Method; result: BenchResult }[] = []
for (const method of methods) {
  const target = functionTarget(
    async (batch) => {
      const out: number[] = []
      for (const index of batch as number[]) out.push(await method.run(index))
      return out
    },
    { name: `@frugal/synth ${method.name}` },
  )
  const result = await runBenchmark({
    target,
    inputs: Array.from({ length: requests }, (_, i) => i),
    settings: {
      scenario: 'single_stream',
      minRequests: requests,
      maxRequests: requests,
      minDurationS: 0,
      warmupRequests: 20,
    },
    task: 'synth',
    dataset: {
      name: `scene-world-v${SCENE_WORLD_VERSION}`,
      size: requests,
      source: `@frugal/synth scene world, seed ${seed}, split train, indexes 0..${requests - 1}, 1–8 objects, ${method.size}×${method.size} px`,
    },
    method: {
      name: method.name,
      // Evidence for the CtrlSynth method page (exact id); scene-world runs are its data, not the method.
      ...(method.name.startsWith('ctrlsynth') ? { id: 'ctrlsynth' } : {}),
      family: method.name.startsWith('ctrlsynth') ? 'ctrlsynth' : 'scene-world',
      version: '0.1.0',
      parameters: { stage: method.stage, image_px: method.size },
    },
    command,
    energy: false,
  })
  await writeResult(join(flags.out, `synth-${method.name}.json`), result)
  rows.push({ method, result })
  process.stderr.write(`${method.name}: done\n`)
}

const full = rows.find((r) => r.method.name === 'scene-render-png-96')!.result
const rate = (r: BenchResult) => 1000 / r.metrics.latency_ms!.mean
// Ratios of medians: on a shared machine the median moves less with other jobs than the mean does.
const p50 = (r: BenchResult) => r.metrics.latency_ms!.p50
console.log(`@frugal/synth, ${new Date().toISOString()}, ${command}`)
console.log('method                            samples/s  p50 ms   p99 ms  p50 speed vs render+png-96')
for (const { method, result } of rows) {
  const lat = result.metrics.latency_ms!
  console.log(
    `${method.name.padEnd(33)} ${rate(result).toFixed(0).padStart(9)}  ${lat.p50.toFixed(2).padStart(6)}  ${lat.p99.toFixed(2).padStart(7)}  ${(p50(full) / p50(result)).toFixed(2).padStart(26)}`,
  )
}
