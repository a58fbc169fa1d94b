// Inference suite: the inference API under `wrangler dev` on 127.0.0.1, driven over HTTP by
// @frugal/bench with a streaming target, so time to first token and time per output token are
// seen at the client from the server-sent events. Per prompt length, the decoder's plain prefill
// against KV Prediction's (the auxiliary model reads the prompt, the predictor fills the base's
// cache), both through the same route.
//
// The model is the zoo's frugal-elm-base (with frugal-elm-aux and its KV predictor in the same
// set), or with `--model openelm` the random-initialised fixture of @frugal/models (then the
// numbers are the worker path's time for a model of that size, and the notes say so). No
// quality is measured here (the zoo's model card has it).
//
//   npx -y pnpm@12.4.2 --filter @frugal/benchmarks run bench:inference [--model frugal-elm-base] [--requests 20] [--lengths 32,96,192]
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type BenchResult, formatReport, streamTarget } from '@frugal/bench'
import { runBenchmark, writeResult } from '@frugal/bench/node'
import { startDevServer, uploadSet } from '@frugal/worker-inference/dev'
import { fixtureModelSets, zooModelSets } from '@frugal/worker-inference/model-sets'

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'frugal-elm-base' },
    requests: { type: 'string', default: '20' },
    lengths: { type: 'string', default: '32,96,192' },
    'max-tokens': { type: 'string', default: '8' },
  },
})
const REQUESTS = Number(args.requests)
const LENGTHS = args.lengths.split(',').map(Number)
const MAX_TOKENS = Number(args['max-tokens'])
const MODEL = args.model
const SETS = new Map([...zooModelSets(), ...fixtureModelSets()])
const SET = SETS.get(MODEL)
if (!SET) throw new Error(`--model ${MODEL}: not a zoo or fixture decoder (${[...SETS.keys()].join(', ')})`)
const TRAINED = (JSON.parse(new TextDecoder().decode(SET.get('manifest.json'))) as { trained: boolean })
  .trained

const benchDir = new URL('../..', import.meta.url).pathname
const resultsDir = join(benchDir, 'results')
const command =
  `npx -y pnpm@12.4.2 --filter @frugal/benchmarks run bench:inference ${process.argv.slice(2).join(' ')}`.trim()

function say(message: string): void {
  process.stderr.write(`[inference] ${message}\n`)
}

/** A prompt of about `tokens` tokens of the fixture tokenizer, grown word by word and checked by the API. */
async function promptOf(url: string, tokens: number): Promise<{ prompt: string; tokens: number }> {
  const words = 'Fellow-Citizens of the Senate and of the House of Representatives the Union is strong'.split(
    ' ',
  )
  let prompt = ''
  let got = 0
  for (let i = 0; got < tokens; i++) {
    const next = `${prompt}${i ? ' ' : ''}${words[i % words.length]}`
    const res = await fetch(`${url}/v1/models/${MODEL}/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: next, maxTokens: 1 }),
    })
    if (!res.ok) break
    prompt = next
    got = ((await res.json()) as { tokens: { prompt: number } }).tokens.prompt
  }
  return { prompt, tokens: got }
}

const state = mkdtempSync(join(tmpdir(), 'frugal-bench-inference-'))
const token = randomBytes(18).toString('base64url')
say('starting the inference worker (wrangler dev)…')
const server = await startDevServer({ persistTo: state, vars: { UPLOAD_TOKEN: token } })
const rows: { length: number; mode: string; ttft: number }[] = []
const written: { file: string; result: BenchResult }[] = []
try {
  await uploadSet(`${server.url}/v1/models/${MODEL}`, SET, token)
  for (const length of LENGTHS) {
    const { prompt, tokens } = await promptOf(server.url, length)
    for (const kvPrediction of [false, true]) {
      const mode = kvPrediction ? 'kv-prediction' : 'base'
      const target = streamTarget({
        url: `${server.url}/v1/models/${MODEL}/generate`,
        body: `{"prompt":{{input}},"maxTokens":${MAX_TOKENS},"stream":true,"kvPrediction":${kvPrediction}}`,
        pid: server.process.pid,
      })
      const result: BenchResult = await runBenchmark({
        target,
        inputs: [prompt],
        settings: {
          scenario: 'single_stream',
          minRequests: REQUESTS,
          maxRequests: REQUESTS,
          minDurationS: 0,
          warmupRequests: 3,
        },
        task: 'inference-generate',
        dataset: { name: `text-prompt-${tokens}-tokens`, size: 1 },
        method: {
          name: mode,
          // The KV Prediction runs are evidence of the method (its page); the plain prefill is the baseline.
          ...(kvPrediction ? { id: 'kv-prediction' } : {}),
          family: 'kv-prediction',
          parameters: {
            model: MODEL,
            prompt_tokens: tokens,
            max_tokens: MAX_TOKENS,
            kv_prediction: kvPrediction,
          },
        },
        command,
        backend: 'workerd (wrangler dev), native TS runtime on WASM SIMD kernels',
        energy: false,
        promptTokensMean: tokens,
        notes: TRAINED
          ? `${MODEL} of @frugal/zoo through the inference worker (HTTP and server-sent events on 127.0.0.1); quality is in its model card, not measured here.`
          : `${MODEL}: a random-initialised fixture of @frugal/models; the time of the worker path for a model of that size; no quality is measured.`,
      })
      const file = join(resultsDir, `inference-generate-${MODEL}-${mode}-${tokens}-tokens.json`)
      await writeResult(file, result)
      written.push({ file, result })
      rows.push({ length: tokens, mode, ttft: result.metrics.generation?.ttft_ms.p50 ?? Number.NaN })
    }
  }
} finally {
  await server.stop()
  rmSync(state, { recursive: true, force: true })
}
console.log(formatReport(written))
console.log('prompt tokens | base TTFT p50 ms | KV Prediction TTFT p50 ms | ratio')
for (const length of [...new Set(rows.map((r) => r.length))]) {
  const base = rows.find((r) => r.length === length && r.mode === 'base')!.ttft
  const kvp = rows.find((r) => r.length === length && r.mode === 'kv-prediction')!.ttft
  console.log(`${length} | ${base.toFixed(2)} | ${kvp.toFixed(2)} | ${(kvp / base).toFixed(2)}x`)
}
