/**
 * The `linear` kernel alone (x[rows, in] · W[out, in]ᵀ), TypeScript vs WASM SIMD (plain and
 * relaxed), single thread, in GFLOP/s: the decoder's hot op at its prefill and decode shapes.
 *
 *   pnpm --filter @frugal/benchmarks run bench:kernels [--requests 30]
 */
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { functionTarget } from '@frugal/bench'
import { runBenchmark, writeResult } from '@frugal/bench/node'
import { type Kernels, tsKernels, WasmKernels } from '@frugal/models'
import { loadWasmKernels } from '@frugal/models/node'

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..')
const { values: flags } = parseArgs({
  options: {
    out: { type: 'string', default: join(repoRoot, 'benchmarks/results') },
    requests: { type: 'string', default: '30' },
  },
})
const requests = Number(flags.requests)
const command = `pnpm --filter @frugal/benchmarks run bench:kernels${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`

const backends: [string, Kernels][] = [
  ['ts', tsKernels],
  ['wasm-simd', new WasmKernels(await loadWasmKernels({ relaxed: false })).kernels()],
  ['wasm-relaxed-simd', new WasmKernels(await loadWasmKernels({ relaxed: true })).kernels()],
]
// The OpenELM benchmark model's shapes: qkv of a 4-head layer, the widest SwiGLU, the logits.
const shapes: [number, number, number][] = [
  [256, 256, 512],
  [256, 256, 2560],
  [256, 256, 4096],
  [1, 256, 2560],
  [1, 256, 4096],
]
let seed = 7
const rand = (n: number) =>
  Float32Array.from({ length: n }, () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
    return seed / 2 ** 32 - 0.5
  })

console.log(`linear kernel, single thread, ${new Date().toISOString()}\n${command}`)
console.log(`rows x in -> out        ${backends.map(([n]) => `${n.padStart(18)} GFLOP/s`).join('')}`)
for (const [rows, inDim, outDim] of shapes) {
  const x = rand(rows * inDim)
  const w = rand(outDim * inDim)
  const out = new Float32Array(rows * outDim)
  const cells: string[] = []
  for (const [name, k] of backends) {
    const n = name === 'ts' && rows > 1 ? Math.max(3, Math.round(requests / 10)) : requests
    const result = await runBenchmark({
      target: functionTarget(
        (batch) => {
          for (const _ of batch) k.linear(out, x, w, rows, inDim, outDim)
          return batch.map(() => out[0])
        },
        { name: `linear ${name}` },
      ),
      inputs: [0],
      settings: {
        scenario: 'single_stream',
        minRequests: n,
        maxRequests: n,
        minDurationS: 0,
        warmupRequests: 2,
      },
      task: 'kernel-linear',
      dataset: {
        name: `linear-${rows}x${inDim}x${outDim}`,
        size: rows,
        dims: inDim,
        source: 'uniform random f32',
      },
      method: {
        name: `linear-${name}`,
        family: 'kernel',
        version: '0.1.0',
        parameters: { rows, in_dim: inDim, out_dim: outDim, backend: name },
      },
      command,
      energy: false,
    })
    await writeResult(join(flags.out, `kernels-linear-${rows}x${inDim}x${outDim}-${name}.json`), result)
    const cpu = result.metrics.cpu?.cpu_seconds_per_item
    const ms = cpu !== undefined ? cpu * 1000 : result.metrics.latency_ms!.p50
    cells.push(`${((2 * rows * inDim * outDim) / ms / 1e6).toFixed(1).padStart(26)}`)
  }
  console.log(`${`${rows} x ${inDim} -> ${outDim}`.padEnd(23)}${cells.join('')}`)
}
console.log('GFLOP/s = 2·rows·in·out / CPU time per call (process user + system time)')
