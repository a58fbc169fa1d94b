/**
 * Models suite inside workerd: the benchmark model on the native runtime (TS and WASM SIMD
 * kernels) and on onnxruntime-web, served by `wrangler dev` (unstable_startWorker) on
 * 127.0.0.1 and timed from the client per request (workerd's clocks stand still during
 * computation). Results through @frugal/bench, ratios against onnxruntime-web.
 *
 *   pnpm --filter @frugal/benchmarks run bench:models-workerd [--requests 10] [--steps 64]
 *
 * Needs the model of `bench:models` (benchmarks/.cache/models/openelm-5m).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { type BenchResult, functionTarget } from '@frugal/bench'
import { runBenchmark, writeResult } from '@frugal/bench/node'
import { unstable_startWorker } from 'wrangler'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(here, '../../..')
const { values: flags } = parseArgs({
  options: {
    out: { type: 'string', default: join(repoRoot, 'benchmarks/results') },
    requests: { type: 'string', default: '10' },
    steps: { type: 'string', default: '64' },
    prompt: { type: 'string', default: '256' },
  },
})
const modelDir = join(repoRoot, 'benchmarks/.cache/models/openelm-5m')
if (!existsSync(join(modelDir, 'onnx', 'model.onnx'))) {
  console.error(`no benchmark model in ${modelDir}: run bench:models first`)
  process.exit(1)
}
const requests = Number(flags.requests)
const steps = Number(flags.steps)
const promptLen = Number(flags.prompt)
const command = `pnpm --filter @frugal/benchmarks run bench:models-workerd${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`

process.env['WRANGLER_SEND_METRICS'] = 'false'
process.env['CLOUDFLARE_CF_FETCH_ENABLED'] = 'false'
const worker = await unstable_startWorker({
  config: join(here, 'workerd', 'wrangler.jsonc'),
  dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false },
})
await worker.ready
const base = await worker.url
const call = async (path: string) => {
  const res = await fetch(new URL(path, base), { method: 'POST' })
  const body = (await res.json()) as { token?: number; error?: { message: string } }
  if (!res.ok || body.token === undefined) throw new Error(`${path}: ${res.status} ${body.error?.message}`)
  return body.token
}
for (const [name, file] of [
  ['config.json', 'config.json'],
  ['model.safetensors', 'model.safetensors'],
  ['model.onnx', 'onnx/model.onnx'],
]) {
  const res = await fetch(new URL(`/model/${name}`, base), {
    method: 'PUT',
    body: await readFile(join(modelDir, file!)),
  })
  if (!res.ok) throw new Error(`upload of ${name}: ${res.status} ${await res.text()}`)
}
/**
 * CPU seconds (user + system) used so far by the workerd processes started under this one:
 * wall time on a loaded machine mostly measures waiting, the worker's CPU time does not.
 */
function workerdCpuSeconds(): number {
  const procs = new Map<number, { ppid: number; comm: string; ticks: number }>()
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let stat: string
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    } catch {
      continue
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // Fields 4, 14 and 15 of /proc/PID/stat: ppid, utime, stime (clock ticks of 1/100 s).
    procs.set(Number(pid), { ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) })
  }
  const mine = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (p === process.pid) return true
      p = procs.get(p)?.ppid ?? 0
    }
    return false
  }
  let ticks = 0
  for (const [pid, p] of procs) if (p.comm === 'workerd' && mine(pid)) ticks += p.ticks
  return ticks / 100
}
const loadBefore = loadavg()
const settings = (n: number, warmup: number) =>
  ({
    scenario: 'single_stream',
    minRequests: n,
    maxRequests: n,
    minDurationS: 0,
    warmupRequests: warmup,
  }) as const
const dataset = {
  name: `openelm-5m-prompt${promptLen}`,
  size: promptLen,
  source: 'the random-initialised benchmark model of bench:models (benchmarks/.cache/models/openelm-5m)',
}

async function measure(
  engine: string,
  phase: string,
  path: string,
  n: number,
  warmup: number,
): Promise<{ result: BenchResult; tokens: number[]; cpuMs: number }> {
  const tokens: number[] = []
  const cpu0 = workerdCpuSeconds()
  const result = await runBenchmark({
    target: functionTarget(
      async (batch) => {
        const out: number[] = []
        for (const _ of batch) {
          const t = await call(path)
          tokens.push(t)
          out.push(t)
        }
        return out
      },
      { name: `workerd ${engine} ${phase}` },
    ),
    inputs: [0],
    settings: settings(n, warmup),
    task: phase === 'decode' ? 'lm-decode' : 'lm-prefill',
    dataset,
    method: {
      name: `workerd-${engine}-${phase}`,
      family: engine.startsWith('native') ? 'native' : 'onnx',
      version: '0.1.0',
      parameters: { engine, phase, prompt_tokens: promptLen, threads: 1, runtime: 'workerd' },
    },
    command,
    backend: 'workerd (wrangler dev 4.164.0)',
    energy: false,
    notes:
      'client-side latency over loopback HTTP (workerd clocks do not advance during computation); CPU time is the client process, so only wall time describes the worker',
  })
  // Warm-up requests are the same operation, so they count in the per-request CPU time.
  const cpuMs = ((workerdCpuSeconds() - cpu0) * 1000) / (n + warmup)
  result.notes = `${result.notes} workerd CPU time per request ${cpuMs.toFixed(2)} ms (user + system of the workerd processes from /proc, over ${n + warmup} requests).`
  await writeResult(join(flags.out, `models-openelm-5m-workerd-${engine}-${phase}.json`), result)
  if (result.status !== 'complete') throw new Error(`${engine} ${phase}: ${result.error?.message}`)
  return { result, tokens, cpuMs }
}

const rows: {
  engine: string
  prefill: number
  prefillMin: number
  prefillCpu: number
  step: number
  stepMin: number
  stepCpu: number
  first: number
}[] = []
try {
  const noop = await measure('noop', 'round-trip', '/noop', 50, 5).catch(() => undefined)
  for (const engine of ['native-ts', 'native-wasm', 'onnxruntime-web']) {
    const t0 = performance.now()
    await call(`/prefill?engine=${engine}&n=${promptLen}`)
    const coldMs = performance.now() - t0
    const pre = await measure(
      engine,
      `prefill${promptLen}`,
      `/prefill?engine=${engine}&n=${promptLen}`,
      engine === 'native-ts' ? Math.min(requests, 3) : requests,
      1,
    )
    await call(`/prefill?engine=${engine}&n=${promptLen}`)
    const dec = await measure(engine, 'decode', `/step?engine=${engine}`, steps, 4)
    const lp = pre.result.metrics.latency_ms!
    const ld = dec.result.metrics.latency_ms!
    rows.push({
      engine,
      prefill: lp.p50,
      prefillMin: lp.min,
      prefillCpu: pre.cpuMs,
      step: ld.p50,
      stepMin: ld.min,
      stepCpu: dec.cpuMs,
      first: pre.tokens[0]!,
    })
    console.error(
      `${engine}: first request ${coldMs.toFixed(0)} ms, prefill p50 ${lp.p50.toFixed(1)} ms (workerd cpu ${pre.cpuMs.toFixed(1)}), decode p50 ${ld.p50.toFixed(2)} ms (cpu ${dec.cpuMs.toFixed(2)})`,
    )
  }
  const load = loadavg()
  const ref = rows.find((r) => r.engine === 'onnxruntime-web')!
  console.log(
    `\nworkerd (wrangler dev), openelm-5m, prompt ${promptLen}, single thread, ${new Date().toISOString()}`,
  )
  console.log(
    `${command}\nload average before ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, after ${load.map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`,
  )
  if (noop) console.log(`HTTP round trip alone: p50 ${noop.result.metrics.latency_ms!.p50.toFixed(2)} ms`)
  console.log(
    'engine           | prefill ms p50    min    cpu  cpu vs ort-web | decode ms/token p50    min    cpu  cpu vs ort-web | same first token',
  )
  const f = (v: number, w: number, d = 1) => v.toFixed(d).padStart(w)
  for (const r of rows) {
    console.log(
      `${r.engine.padEnd(16)} | ${f(r.prefill, 14)} ${f(r.prefillMin, 6)} ${f(r.prefillCpu, 6)} ${f(r.prefillCpu / ref.prefillCpu, 15, 3)} | ` +
        `${f(r.step, 19, 2)} ${f(r.stepMin, 6, 2)} ${f(r.stepCpu, 6, 2)} ${f(r.stepCpu / ref.stepCpu, 15, 3)} | ${r.first === ref.first ? 'yes' : 'NO'}`,
    )
  }
  console.log('cpu: user + system time of the workerd processes per request (from /proc)')
  const w = rows.find((r) => r.engine === 'native-wasm')!
  for (const [label, a, b] of [
    ['cpu', w.prefillCpu / ref.prefillCpu, w.stepCpu / ref.stepCpu],
    ['p50', w.prefill / ref.prefill, w.step / ref.step],
    ['min', w.prefillMin / ref.prefillMin, w.stepMin / ref.stepMin],
  ] as const) {
    console.log(
      `target native-wasm ≤ 0.7x onnxruntime-web in workerd (${label}): prefill ${a.toFixed(3)}x ${a <= 0.7 ? 'met' : 'MISSED'}, decode ${b.toFixed(3)}x ${b <= 0.7 ? 'met' : 'MISSED'}`,
    )
  }
  if (rows.some((r) => r.first !== ref.first)) process.exitCode = 1
} finally {
  await worker.dispose()
}
