// Splits the latency of the running worker into its own time (the `Server-Timing` `total` it
// reports) and the rest (wrangler dev's local proxy chain and the client), per search mode.
// Uses the local R2 that `npm start` seeded (.frugal/wrangler-state, index "default").
//
//   npx -y pnpm@12.4.2 --filter @frugal/benchmarks run bench:worker-timing [--state DIR] [--index NAME] [--requests 300]
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startDevServer } from '@frugal/worker-retrieval/dev'

const { values: args } = parseArgs({
  options: {
    state: {
      type: 'string',
      default: join(new URL('../../..', import.meta.url).pathname, '.frugal', 'wrangler-state'),
    },
    index: { type: 'string', default: 'default' },
    requests: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '50' },
  },
})
const WORDS = ['tariff', 'gold', 'silver', 'railroad', 'navy', 'war', 'taxes', 'treaty', 'slavery', 'banks']
const query = (i: number) => `${WORDS[i % WORDS.length]} ${WORDS[(i * 7 + 3) % WORDS.length]} policy`
/** Nearest-rank percentile. */
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(p * xs.length) - 1)]!

const server = await startDevServer({ persistTo: args.state })
try {
  for (const mode of ['dense', 'hybrid', 'lexical']) {
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
    const f = (x: number) => x.toFixed(1)
    console.log(
      `${mode.padEnd(8)} client p50 ${f(pct(client, 0.5))} ms  p99 ${f(pct(client, 0.99))} ms | ` +
        `worker (Server-Timing total) p50 ${f(pct(worker, 0.5))} ms  p99 ${f(pct(worker, 0.99))} ms  (n=${client.length})`,
    )
  }
} finally {
  await server.stop()
}
