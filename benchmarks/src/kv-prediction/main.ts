/**
 * KV Prediction: time to first token for prompts of 128/512/1024 tokens, in one run, for the base
 * model alone, the auxiliary model alone, and the base started from the auxiliary model's
 * predicted KV cache (aux prefill + linear predictor + base on the last prompt token).
 *
 *   pnpm --filter @frugal/benchmarks run bench:kv-prediction [--lengths 128,512,1024] [--requests 5] [--kernels wasm|ts]
 *
 * The models are random-initialised at the zoo's planned sizes (a ~5 M OpenELM base, d 256 x 8
 * layers, and a ~1 M auxiliary, d 128 x 6 layers, vocabulary 4096) unless `--base`, `--aux` and
 * `--predictor` name trained model folders: time to first token depends on shapes, not on values.
 * Single thread. Results go to benchmarks/results/kv-prediction-ttft-*.json.
 */
import { mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { functionTarget } from '@frugal/bench'
import { runBenchmark, writeResult } from '@frugal/bench/node'
import {
  argmax,
  freshTokens,
  KvPredictor,
  kvPredictionPrefill,
  makeDivisible,
  OpenElm,
  type OpenElmConfig,
  parseConfig,
  useWasmKernels,
  WeightStore,
} from '@frugal/models'
import { loadModelDir, loadWasmKernels } from '@frugal/models/node'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(here, '../../..')

const { values: flags } = parseArgs({
  options: {
    out: { type: 'string', default: join(repoRoot, 'benchmarks/results') },
    lengths: { type: 'string', default: '128,512,1024' },
    requests: { type: 'string', default: '5' },
    kernels: { type: 'string', default: 'wasm' },
    base: { type: 'string' },
    aux: { type: 'string' },
    predictor: { type: 'string' },
    seed: { type: 'string', default: '7' },
  },
})
const lengths = flags.lengths.split(',').map(Number)
const requests = Number(flags.requests)
if (lengths.some((n) => !Number.isInteger(n) || n < 2) || !Number.isInteger(requests) || requests < 1) {
  throw new Error('--lengths must be integers >= 2 and --requests a positive integer')
}

/** Seeded normal samples (mulberry32 + Box–Muller). */
function gaussian(seed: number): () => number {
  let a = seed >>> 0
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return () => Math.sqrt(-2 * Math.log(uniform() || 1e-12)) * Math.cos(2 * Math.PI * uniform())
}

/** OpenELM's layer-wise scaling of heads (0.5–1.0) and FFN width (0.5–4.0). */
function layerwise(vocab: number, d: number, layers: number, headDim: number, groups: number): OpenElmConfig {
  const lin = (lo: number, hi: number) =>
    Array.from({ length: layers }, (_, i) => Math.round((lo + ((hi - lo) * i) / (layers - 1)) * 100) / 100)
  const q = lin(0.5, 1).map((a) => makeDivisible(d * a, headDim * groups) / headDim)
  return parseConfig({
    model_type: 'openelm',
    vocab_size: vocab,
    model_dim: d,
    num_transformer_layers: layers,
    head_dim: headDim,
    num_query_heads: q,
    num_kv_heads: q.map((n) => n / groups),
    ffn_multipliers: lin(0.5, 4),
    ffn_dim_divisor: 32,
    max_context_length: 2048,
  }) as OpenElmConfig
}

type Shaped = Map<string, { shape: number[]; data: Float32Array }>

function randomTensor(map: Shaped, name: string, shape: number[], std: number, next: () => number): void {
  const n = shape.reduce((a, b) => a * b, 1)
  map.set(name, { shape, data: Float32Array.from({ length: n }, () => (std === 0 ? 1 : next() * std)) })
}

function randomOpenElm(c: OpenElmConfig, seed: number): OpenElm {
  const next = gaussian(seed)
  const t: Shaped = new Map()
  const d = c.model_dim
  const hd = c.head_dim
  randomTensor(t, 'transformer.token_embeddings.weight', [c.vocab_size, d], d ** -0.5, next)
  randomTensor(t, 'transformer.norm.weight', [d], 0, next)
  for (let i = 0; i < c.num_transformer_layers; i++) {
    const nq = c.num_query_heads[i]!
    const nkv = c.num_kv_heads[i]!
    const ffn = makeDivisible(c.ffn_multipliers[i]! * d, c.ffn_dim_divisor)
    const p = `transformer.layers.${i}.`
    randomTensor(t, `${p}attn_norm.weight`, [d], 0, next)
    randomTensor(t, `${p}attn.qkv_proj.weight`, [(nq + 2 * nkv) * hd, d], d ** -0.5, next)
    randomTensor(t, `${p}attn.q_norm.weight`, [hd], 0, next)
    randomTensor(t, `${p}attn.k_norm.weight`, [hd], 0, next)
    randomTensor(t, `${p}attn.out_proj.weight`, [d, nq * hd], (nq * hd) ** -0.5, next)
    randomTensor(t, `${p}ffn_norm.weight`, [d], 0, next)
    randomTensor(t, `${p}ffn.proj_1.weight`, [2 * ffn, d], d ** -0.5, next)
    randomTensor(t, `${p}ffn.proj_2.weight`, [d, ffn], ffn ** -0.5, next)
  }
  const w = new WeightStore(new Map([...t].map(([k, v]) => [k, { ...v, dtype: 'F32' as const }])))
  const model = OpenElm.load(c, w)
  w.finish()
  return model
}

function randomPredictor(base: OpenElm, aux: OpenElm, seed: number): KvPredictor {
  const next = gaussian(seed)
  const lb = base.numLayers
  const la = aux.numLayers
  const config = parseConfig({
    model_type: 'kv_predictor',
    base: 'base',
    aux: 'aux',
    aux_layer_for_base_layer: Array.from({ length: lb }, (_, i) => Math.floor((i * la) / lb)),
    aux_num_kv_heads: aux.layers.map((l) => l.nkv),
    aux_head_dim: aux.config.head_dim,
    base_num_kv_heads: base.layers.map((l) => l.nkv),
    base_head_dim: base.config.head_dim,
  })
  if (config.model_type !== 'kv_predictor') throw new Error('unreachable')
  const t: Shaped = new Map()
  config.aux_layer_for_base_layer.forEach((j, i) => {
    const inDim = config.aux_num_kv_heads[j]! * config.aux_head_dim
    const outDim = config.base_num_kv_heads[i]! * config.base_head_dim
    for (const kind of ['k', 'v']) {
      randomTensor(t, `${kind}_projections.${i}.weight`, [outDim, inDim], inDim ** -0.5, next)
      randomTensor(t, `${kind}_projections.${i}.bias`, [outDim], 0.02, next)
    }
  })
  const w = new WeightStore(new Map([...t].map(([k, v]) => [k, { ...v, dtype: 'F32' as const }])))
  const p = KvPredictor.load(config, w)
  w.finish()
  return p
}

async function trained(dir: string, arch: 'openelm' | 'kv_predictor') {
  const m = await loadModelDir(dir)
  if (m.arch !== arch) throw new Error(`${dir} is a ${m.arch} model, expected ${arch}`)
  return m.model
}

const seed = Number(flags.seed)
const fromZoo = Boolean(flags.base && flags.aux && flags.predictor)
const base = fromZoo
  ? ((await trained(flags.base!, 'openelm')) as OpenElm)
  : randomOpenElm(layerwise(4096, 256, 8, 32, 2), seed)
const aux = fromZoo
  ? ((await trained(flags.aux!, 'openelm')) as OpenElm)
  : randomOpenElm(layerwise(4096, 128, 6, 16, 2), seed + 1)
const predictor = fromZoo
  ? ((await trained(flags.predictor!, 'kv_predictor')) as KvPredictor)
  : randomPredictor(base, aux, seed + 2)
predictor.checkPair(base, aux)
if (flags.kernels === 'wasm') useWasmKernels(await loadWasmKernels())
else if (flags.kernels !== 'ts') throw new Error('--kernels must be wasm or ts')

const methods = {
  base: (ids: number[]) =>
    argmax(base.forward(base.embed(ids), freshTokens(ids.length), { cache: base.newCache() }).logits),
  aux: (ids: number[]) =>
    argmax(aux.forward(aux.embed(ids), freshTokens(ids.length), { cache: aux.newCache() }).logits),
  'kv-prediction': (ids: number[]) => argmax(kvPredictionPrefill(base, aux, predictor, ids).logits),
}

const command = `pnpm --filter @frugal/benchmarks run bench:kv-prediction${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`
await mkdir(flags.out, { recursive: true })
const next = gaussian(seed + 3)
const table: string[] = []
for (const n of lengths) {
  const prompts = Array.from({ length: 4 }, () =>
    Array.from({ length: n }, () => Math.floor(Math.abs(next() * 1000)) % base.vocabSize),
  )
  const p50: Record<string, number> = {}
  for (const [name, fn] of Object.entries(methods)) {
    const result = await runBenchmark({
      target: functionTarget((batch) => (batch as number[][]).map((ids) => fn(ids)), {
        name: `@frugal/models ${name} TTFT`,
      }),
      inputs: prompts,
      settings: {
        scenario: 'single_stream',
        minRequests: requests,
        maxRequests: requests,
        minDurationS: 0,
        warmupRequests: 1,
      },
      task: 'kv-prediction',
      dataset: {
        name: `random-prompt-${n}`,
        size: n,
        queries: prompts.length,
        source: 'seeded uniform token ids; TTFT does not depend on their values',
      },
      method: {
        name: `${name}-n${n}`,
        family: 'kv-prediction',
        version: '0.1.0',
        parameters: {
          method: name,
          prompt_tokens: n,
          kernels: flags.kernels,
          base_parameters: base.parameters,
          aux_parameters: aux.parameters,
          weights: fromZoo ? 'trained' : 'random-init',
        },
      },
      command,
      energy: false,
      notes: 'time to first token: the prompt pass and the argmax of the first token, batch 1, one thread',
    })
    await writeResult(join(flags.out, `kv-prediction-ttft-${name}-n${n}.json`), result)
    p50[name] = result.metrics.latency_ms?.p50 ?? Number.NaN
  }
  table.push(
    `${String(n).padStart(6)}  ${p50.base!.toFixed(1).padStart(9)}  ${p50.aux!.toFixed(1).padStart(9)}  ${p50['kv-prediction']!.toFixed(1).padStart(9)}  ${(p50.base! / p50['kv-prediction']!).toFixed(2).padStart(8)}x  ${(p50['kv-prediction']! / p50.aux!).toFixed(2).padStart(8)}x`,
  )
}
console.log(
  `KV Prediction TTFT (p50 ms), base ${base.parameters} params, aux ${aux.parameters}, kernels ${flags.kernels}, ${new Date().toISOString()}`,
)
console.log(`${command}`)
console.log('prompt    base ms     aux ms   kvp ms   base/kvp   kvp/aux')
for (const row of table) console.log(row)
