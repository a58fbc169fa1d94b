/**
 * Models suite: the OpenELM decoder of the zoo's target size (d 256, 6 layers, vocabulary
 * 4096) side by side on every engine in one run, single thread: 256-token prefill and
 * per-token decode on the KV cache, for the native runtime on the TypeScript and the WASM SIMD
 * kernels, onnxruntime-web, onnxruntime-node and transformers.js on the same ONNX export.
 * Results go through @frugal/bench; ratios are printed against onnxruntime-web.
 *
 *   pnpm --filter @frugal/benchmarks run bench:models [--model DIR] [--prompt 256] [--requests 10] [--steps 64]
 *
 * Without --model, the random-initialised model of `export_openelm.py` is used (written to
 * benchmarks/.cache/models/openelm-5m on the first run, which needs Python with torch, onnx,
 * onnxruntime and safetensors: set PYTHON, default python3).
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, stat } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { type BenchResult, functionTarget } from '@frugal/bench'
import { runBenchmark, writeResult } from '@frugal/bench/node'
import { type Engine, nativeEngine, onnxEngine, transformersEngine } from './engines.ts'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(here, '../../..')
const { values: flags } = parseArgs({
  options: {
    model: { type: 'string' },
    out: { type: 'string', default: join(repoRoot, 'benchmarks/results') },
    prompt: { type: 'string', default: '256' },
    requests: { type: 'string', default: '10' },
    steps: { type: 'string', default: '64' },
    engines: {
      type: 'string',
      default:
        'native-ts,native-wasm,native-wasm-all-logits,onnxruntime-web,onnxruntime-node,transformers.js',
    },
  },
})
const promptLen = Number(flags.prompt)
const requests = Number(flags.requests)
const steps = Number(flags.steps)
const wanted = new Set(flags.engines.split(','))

let dir = flags.model ? resolve(flags.model) : join(repoRoot, 'benchmarks/.cache/models/openelm-5m')
if (!flags.model && !existsSync(join(dir, 'onnx', 'model.onnx'))) {
  console.error(`writing the random-initialised benchmark model to ${dir}`)
  const python = process.env['PYTHON'] ?? 'python3'
  const r = spawnSync(python, [join(here, 'export_openelm.py'), '--out', dir], { stdio: 'inherit' })
  if (r.status !== 0) {
    console.error(
      `${python} ${join(here, 'export_openelm.py')} failed; it needs torch, onnx, onnxruntime and safetensors (see training/README.md), or pass --model DIR`,
    )
    process.exit(1)
  }
}
dir = resolve(dir)
const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as {
  vocab_size: number
  model_dim: number
  num_transformer_layers: number
}
const meta = existsSync(join(dir, 'bench-model.json'))
  ? (JSON.parse(await readFile(join(dir, 'bench-model.json'), 'utf8')) as {
      weights: string
      parameters: number
      seed: number
    })
  : { weights: 'trained', parameters: Number.NaN, seed: -1 }
const modelName = dir.split('/').filter(Boolean).pop()!
const weightBytes = (await stat(join(dir, 'model.safetensors'))).size
const onnxBytes = (await stat(join(dir, 'onnx', 'model.onnx'))).size

// A fixed prompt of in-vocabulary ids.
const prompt = Array.from({ length: promptLen }, (_, i) => (i * 7919 + 13) % config.vocab_size)
const command = `pnpm --filter @frugal/benchmarks run bench:models${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`
const dataset = {
  name: `${modelName}-prompt${promptLen}`,
  size: promptLen,
  source: `OpenELM d ${config.model_dim}, ${config.num_transformer_layers} layers, vocabulary ${config.vocab_size}, ${meta.weights} weights (${meta.parameters} parameters, seed ${meta.seed}); a fixed prompt of ${promptLen} ids`,
}
await mkdir(flags.out, { recursive: true })
console.error(`model ${dir}: ${meta.weights} weights, ${meta.parameters} parameters`)

/** Wall p50, wall minimum and CPU time per request (ms): under load the CPU time is the steadier one. */
interface Timing {
  p50: number
  min: number
  cpu: number
}
interface Row {
  name: string
  prefill: Timing
  step?: Timing
  decodeDerived: boolean
  firstToken: number
  tokens: number[]
}
const rows: Row[] = []
const loadBefore = loadavg()
const settings = (n: number, warmup: number) =>
  ({
    scenario: 'single_stream',
    minRequests: n,
    maxRequests: n,
    minDurationS: 0,
    warmupRequests: warmup,
  }) as const

async function record(result: BenchResult, file: string): Promise<Timing> {
  await writeResult(join(flags.out, file), result)
  if (result.status !== 'complete') throw new Error(`${file}: ${result.error?.message}`)
  const lat = result.metrics.latency_ms!
  const cpu = result.metrics.cpu?.cpu_seconds_per_item
  return { p50: lat.p50, min: lat.min, cpu: cpu === undefined ? Number.NaN : cpu * 1000 }
}

async function measureEngine(engine: Engine, decode = true): Promise<void> {
  const method = (phase: string) => ({
    name: `${engine.name}-${phase}`,
    family: engine.name.startsWith('native') ? 'native' : 'onnx',
    version: '0.1.0',
    parameters: { engine: engine.name, phase, prompt_tokens: promptLen, threads: 1 },
  })
  const artifactBytes = engine.name.startsWith('native') ? weightBytes : onnxBytes
  let first = -1
  const prefill = await runBenchmark({
    target: functionTarget(
      async (batch) => {
        const out: number[] = []
        for (const _ of batch) {
          first = await engine.prefill(prompt)
          out.push(first)
        }
        return out
      },
      { name: `${engine.name} prefill` },
    ),
    inputs: [0],
    settings: settings(requests, 2),
    task: 'lm-prefill',
    dataset,
    method: method(`prefill${promptLen}`),
    command,
    backend: engine.backend,
    artifactBytes,
    energy: false,
  })
  const prefillT = await record(prefill, `models-${modelName}-${engine.name}-prefill${promptLen}.json`)
  if (!decode) {
    rows.push({
      name: engine.name,
      prefill: prefillT,
      decodeDerived: false,
      firstToken: first,
      tokens: [first],
    })
    await engine.close()
    console.error(
      `${engine.name}: prefill p50 ${prefillT.p50.toFixed(1)} ms (cpu ${prefillT.cpu.toFixed(1)})`,
    )
    return
  }
  // Decode: greedy, one token per request on the cache of the prompt (context promptLen + i).
  let next = await engine.prefill(prompt)
  const tokens: number[] = [next]
  const decodeResult = await runBenchmark({
    target: functionTarget(
      async (batch) => {
        const out: number[] = []
        for (const _ of batch) {
          next = await engine.step(next)
          tokens.push(next)
          out.push(next)
        }
        return out
      },
      { name: `${engine.name} decode` },
    ),
    inputs: [0],
    settings: settings(steps, 4),
    task: 'lm-decode',
    dataset,
    method: method('decode'),
    command,
    backend: engine.backend,
    artifactBytes,
    energy: false,
    notes: `one greedy token per request on the KV cache after a ${promptLen}-token prompt (context ${promptLen}..${promptLen + steps + 4})`,
  })
  const stepT = await record(decodeResult, `models-${modelName}-${engine.name}-decode.json`)
  rows.push({
    name: engine.name,
    prefill: prefillT,
    step: stepT,
    decodeDerived: false,
    firstToken: first,
    tokens,
  })
  await engine.close()
  console.error(
    `${engine.name}: prefill p50 ${prefillT.p50.toFixed(1)} ms (cpu ${prefillT.cpu.toFixed(1)}), decode p50 ${stepT.p50.toFixed(2)} ms/token (cpu ${stepT.cpu.toFixed(2)})`,
  )
}

for (const name of [
  'native-ts',
  'native-wasm',
  'native-wasm-all-logits',
  'onnxruntime-web',
  'onnxruntime-node',
]) {
  if (!wanted.has(name)) continue
  const engine =
    name === 'native-ts'
      ? await nativeEngine(dir, 'ts')
      : name === 'native-wasm'
        ? await nativeEngine(dir, 'wasm')
        : name === 'native-wasm-all-logits'
          ? await nativeEngine(dir, 'wasm', 'all')
          : await onnxEngine(dir, name === 'onnxruntime-web' ? 'web' : 'node')
  // The all-logits variant differs from native-wasm only in the prefill.
  await measureEngine(engine, name !== 'native-wasm-all-logits')
}

if (wanted.has('transformers.js')) {
  // generate(1) is its prefill; per-token decode is (generate(1 + D) − generate(1)) / D.
  const tjs = await transformersEngine(dir)
  const D = 32
  const run = async (newTokens: number, n: number, phase: string) => {
    let tokens: number[] = []
    const result = await runBenchmark({
      target: functionTarget(
        async (batch) => {
          const out: number[] = []
          for (const _ of batch) {
            tokens = await tjs.generate(prompt, newTokens)
            out.push(tokens[0]!)
          }
          return out
        },
        { name: `transformers.js generate ${newTokens}` },
      ),
      inputs: [0],
      settings: settings(n, 1),
      task: phase === 'decode' ? 'lm-decode' : 'lm-prefill',
      dataset,
      method: {
        name: `transformers.js-${phase}`,
        family: 'onnx',
        version: '4.3.2',
        parameters: {
          engine: 'transformers.js',
          phase,
          prompt_tokens: promptLen,
          new_tokens: newTokens,
          threads: 1,
        },
      },
      command,
      backend: tjs.backend,
      artifactBytes: onnxBytes,
      energy: false,
      notes: `model.generate({ max_new_tokens: ${newTokens}, do_sample: false }) on the prompt`,
    })
    return { t: await record(result, `models-${modelName}-transformers.js-${phase}.json`), tokens }
  }
  const one = await run(1, requests, `prefill${promptLen}`)
  const many = await run(1 + D, Math.max(3, Math.round(requests / 2)), `generate${1 + D}`)
  rows.push({
    name: 'transformers.js',
    prefill: one.t,
    step: {
      p50: (many.t.p50 - one.t.p50) / D,
      min: (many.t.min - one.t.min) / D,
      cpu: (many.t.cpu - one.t.cpu) / D,
    },
    decodeDerived: true,
    firstToken: one.tokens[0]!,
    tokens: many.tokens,
  })
  await tjs.close()
}

// Every engine runs the same weights: the greedy continuation must agree.
const reference = rows.find((r) => r.name === 'onnxruntime-web') ?? rows[0]!
const agree = (r: Row) => {
  const n = Math.min(r.tokens.length, reference.tokens.length, 16)
  return (
    r.firstToken === reference.firstToken && r.tokens.slice(0, n).every((t, i) => t === reference.tokens[i])
  )
}
const load = loadavg()
console.log(
  `\nOpenELM ${modelName} (${meta.weights}, ${meta.parameters} parameters), prompt ${promptLen}, single thread, ${new Date().toISOString()}`,
)
console.log(
  `${command}\nload average before ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, after ${load.map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`,
)
console.log(
  'engine                  | prefill ms: p50    min    cpu  cpu vs ort-web | decode ms/token: p50    min    cpu  tokens/s(cpu)  cpu vs ort-web | same tokens',
)
const f = (v: number | undefined, w: number, d = 1) => (v === undefined ? '-' : v.toFixed(d)).padStart(w)
for (const r of rows) {
  const s = r.step
  const ref = reference.step
  console.log(
    `${r.name.padEnd(23)} | ${f(r.prefill.p50, 15)} ${f(r.prefill.min, 6)} ${f(r.prefill.cpu, 6)} ${f(r.prefill.cpu / reference.prefill.cpu, 15, 3)} | ` +
      `${f(s?.p50, 20, 2)} ${f(s?.min, 6, 2)} ${f(s?.cpu, 6, 2)}${r.decodeDerived ? '*' : ' '} ${f(s ? 1000 / s.cpu : undefined, 13, 0)} ${f(s && ref ? s.cpu / ref.cpu : undefined, 15, 3)} | ${agree(r) ? 'yes' : 'NO'}`,
  )
}
if (rows.some((r) => r.decodeDerived)) console.log('* transformers.js: (generate(33) − generate(1)) / 32')
const wasm = rows.find((r) => r.name === 'native-wasm')
if (wasm?.step && reference.name === 'onnxruntime-web' && reference.step) {
  for (const key of ['cpu', 'p50', 'min'] as const) {
    const p = wasm.prefill[key] / reference.prefill[key]
    const d = wasm.step[key] / reference.step[key]
    console.log(
      `target native-wasm ≤ 0.7x onnxruntime-web (${key}): prefill ${p.toFixed(3)}x ${p <= 0.7 ? 'met' : 'MISSED'}, decode ${d.toFixed(3)}x ${d <= 0.7 ? 'met' : 'MISSED'}`,
    )
  }
}
if (rows.some((r) => !agree(r))) process.exitCode = 1
