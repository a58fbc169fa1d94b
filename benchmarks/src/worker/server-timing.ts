// Splits the latency of the running worker into its own time (the `Server-Timing` `total` it
// reports) and the rest (wrangler dev's local proxy chain and the client), per search mode.
// Uses the local R2 that `npm start` seeded (.frugal/wrangler-state, index "default"). Writes
// one @frugal/bench result per mode (benchmarks/results/worker-timing-<index>-<mode>.json): the
// latency is the worker's own time; the client-side percentiles are in its notes.
//
//   npx -y pnpm@12.4.2 --filter @frugal/benchmarks run bench:worker-timing [--state DIR] [--index NAME] [--requests 300]
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type BenchResult, RESULT_SCHEMA_VERSION, summarizeLatency } from '@frugal/bench'
import { collectProvenance, writeResult } from '@frugal/bench/node'
import { startDevServer } from '@frugal/worker-retrieval/dev'

const repoRoot = new URL('../../..', import.meta.url).pathname

const { values: args } = parseArgs({
  options: {
    state: {
      type: 'string',
      default: join(repoRoot, '.frugal', 'wrangler-state'),
    },
    out: { type: 'string', default: join(repoRoot, 'benchmarks', 'results') },
    index: { type: 'string', default: 'default' },
    requests: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '50' },
  },
})
const WORDS = ['tariff', 'gold', 'silver', 'railroad', 'navy', 'war', 'taxes', 'treaty', 'slavery', 'banks']
const query = (i: number) => `${WORDS[i % WORDS.length]} ${WORDS[(i * 7 + 3) % WORDS.length]} policy`
const command = `npx -y pnpm@12.4.2 --filter @frugal/benchmarks run bench:worker-timing${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`
const server = await startDevServer({ persistTo: args.state })
try {
  const info = (await (await fetch(`${server.url}/v1/indexes/${args.index}`)).json()) as {
    documents: number
    dim: number
    kind: string
    bytes: number
  }
  for (const mode of ['dense', 'hybrid', 'lexical']) {
    const date = new Date()
    const t0 = performance.now()
    const client: number[] = []
    const worker: number[] = []
    const total = Number(args.warmup) + Number(args.requests)
    for (let i = 0; i < total; i++) {
      const started = performance.now()
      const res = await fetch(`${server.url}/v1/indexes/${args.index}/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: query(i), k: 10, mode }),
      })
      await res.text()
      if (!res.ok) throw new Error(`${mode}: HTTP ${res.status}`)
      if (i < Number(args.warmup)) continue
      client.push(performance.now() - started)
      worker.push(Number(/(?:^|,\s*)total;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1]))
    }
    const wallS = (performance.now() - t0) / 1000
    const inWorker = summarizeLatency(worker)
    const atClient = summarizeLatency(client)
    const f = (x: number) => x.toFixed(1)
    console.log(
      `${mode.padEnd(8)} client p50 ${f(atClient.p50)} ms  p99 ${f(atClient.p99)} ms | ` +
        `worker (Server-Timing total) p50 ${f(inWorker.p50)} ms  p99 ${f(inWorker.p99)} ms  (n=${client.length})`,
    )
    const result: BenchResult = {
      schema_version: RESULT_SCHEMA_VERSION,
      task: 'worker-timing',
      dataset: {
        name: `index set "${args.index}" (npm start default)`,
        size: info.documents,
        dims: info.dim,
      },
      method: {
        name: `worker-retrieval-${mode}-in-worker`,
        family: 'edge-api',
        parameters: { mode, k: 10, ann_kind: info.kind, artifact_bytes: info.bytes },
      },
      target: {
        kind: 'http',
        description: `POST ${server.url}/v1/indexes/${args.index}/search (wrangler dev, local R2)`,
      },
      scenario: {
        name: 'single_stream',
        batch_size: 1,
        min_requests: Number(args.requests),
        min_duration_s: 0,
        max_requests: Number(args.requests),
        time_budget_s: 3600,
        warmup_requests: Number(args.warmup),
        seed: 0,
      },
      metrics: {
        wall_time_s: wallS,
        requests: worker.length,
        items: worker.length,
        latency_ms: {
          ...inWorker,
          measured_from: 'send',
          method:
            "the worker's own Server-Timing total of each response (inside the worker), nearest-rank percentiles",
        },
        throughput: {
          items_per_s: worker.length / wallS,
          requests_per_s: worker.length / wallS,
          method: 'sequential requests / wall time of the measured phase, at the client',
        },
      },
      status: 'complete',
      provenance: collectProvenance({ command, backend: 'workerd', seeds: { queries: 0 }, date }),
      notes: `client-side latency over the same requests (wrangler dev proxy + client): p50 ${f(atClient.p50)} ms, p90 ${f(atClient.p90)} ms, p99 ${f(atClient.p99)} ms`,
    }
    await writeResult(join(args.out, `worker-timing-${args.index}-${mode}.json`), result)
  }
} finally {
  await server.stop()
}
