/**
 * Retrieval suite on Cranfield: BM25, dense LSA at d = 32/64/128/256 and RRF hybrids, side
 * by side in one run. Quality (nDCG@10, Recall@100, MRR@10 with graded qrels) and
 * single-stream latency per method, written as @frugal/bench results JSON.
 *
 *   pnpm --filter @frugal/benchmarks run bench:retrieval [--out results] [--requests 450]
 */
import { mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { type BenchResult, functionTarget } from '@frugal/bench'
import { runBenchmark, writeResult } from '@frugal/bench/node'
import { loadCranfield } from '@frugal/datasets/node'
import { buildIndexSet, loadIndexSet } from '@frugal/retrieval'
import { cranfieldMethods, evaluate } from './cranfield.ts'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(here, '../../..')
const { values: flags } = parseArgs({
  options: {
    out: { type: 'string', default: join(repoRoot, 'benchmarks/results') },
    data: { type: 'string', default: resolve(repoRoot, '../shared/datasets/cranfield') },
    requests: { type: 'string', default: '450' },
  },
})
const requests = Number(flags.requests)

const data = await loadCranfield(flags.data)
// The same qrels with code -1 counted as relevant (gain 4), reported alongside.
const lenient = await loadCranfield(flags.data, { minusOneGain: 4 })
console.error(`cranfield: ${data.documents.length} documents, ${data.queries.length} queries`)
const t0 = performance.now()
const built = await buildIndexSet(data.documents, {
  name: 'cranfield',
  source: 'cranfield',
  embedder: { kind: 'lsa', fit: { dims: 256 } },
  kind: 'flat',
})
const buildS = (performance.now() - t0) / 1000
const index = await loadIndexSet(built.files)
console.error(
  `index set built in ${buildS.toFixed(1)} s (flat, LSA 256 dims, ${built.manifest.stats.terms} terms)`,
)

const command = `pnpm --filter @frugal/benchmarks run bench:retrieval${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`
await mkdir(flags.out, { recursive: true })
const rows: { name: string; result: BenchResult; lenientNdcg: number }[] = []
for (const method of cranfieldMethods()) {
  const quality = await evaluate(index, data, method.request)
  const lenientQuality = await evaluate(index, lenient, method.request)
  const target = functionTarget(
    async (batch) => {
      const out: string[][] = []
      for (const query of batch as string[]) {
        const res = await index.search({ ...method.request, query, k: 100, snippetChars: 0 })
        out.push(res.hits.map((h) => h.id))
      }
      return out
    },
    { name: `@frugal/retrieval ${method.name}` },
  )
  const result = await runBenchmark({
    target,
    inputs: data.queries.map((q) => q.text),
    settings: {
      scenario: 'single_stream',
      minRequests: requests,
      maxRequests: requests,
      minDurationS: 0,
      warmupRequests: 20,
    },
    task: 'retrieval',
    dataset: {
      name: 'cranfield',
      size: data.documents.length,
      queries: data.queries.length,
      dims: 256,
      source:
        'Cranfield 1400 (cran.all.1400, cran.qry, cranqrel); graded qrels, codes 1..4 -> gains 4..1, -1 -> 0',
    },
    method: {
      name: method.name,
      family: method.family,
      version: '0.1.0',
      parameters: {
        mode: method.request.mode ?? 'hybrid',
        scan_dims: method.request.scanDims ?? null,
        k: 100,
        index_kind: 'flat',
        embedder: 'lsa-256',
        bm25_k1: 1.2,
        bm25_b: 0.75,
        rrf_k: method.family === 'hybrid' ? 60 : null,
      },
    },
    command,
    artifactBytes: method.files.reduce((s, f) => s + (built.files[f]?.length ?? 0), 0),
    energy: false,
    quality: () => ({
      values: {
        ndcg_at_10: quality.ndcg_at_10,
        recall_at_100: quality.recall_at_100,
        mrr_at_10: quality.mrr_at_10,
        ndcg_at_10_minus1_relevant: lenientQuality.ndcg_at_10,
        recall_at_100_minus1_relevant: lenientQuality.recall_at_100,
      },
      method:
        'mean over 225 Cranfield queries, top 100 per query; linear gains; computed by @frugal/retrieval metrics',
    }),
    notes: `index set built in ${buildS.toFixed(1)} s in the same process`,
  })
  await writeResult(join(flags.out, `retrieval-cranfield-${method.name}.json`), result)
  rows.push({ name: method.name, result, lenientNdcg: lenientQuality.ndcg_at_10 })
}

const base = rows[0]!
const q = (r: BenchResult, key: string) => r.metrics.quality?.values[key] ?? Number.NaN
console.log(`Cranfield (1400 docs, 225 queries), ${new Date().toISOString()}, ${command}`)
console.log(
  'method            nDCG@10  R@100   MRR@10  nDCG@10(-1 rel)  p50 ms   p99 ms   nDCG vs bm25  p50 vs bm25',
)
for (const { name, result, lenientNdcg } of rows) {
  const lat = result.metrics.latency_ms!
  console.log(
    `${name.padEnd(17)} ${q(result, 'ndcg_at_10').toFixed(4)}   ${q(result, 'recall_at_100').toFixed(4)}  ${q(result, 'mrr_at_10').toFixed(4)}  ` +
      `${lenientNdcg.toFixed(4).padStart(15)}  ${lat.p50.toFixed(3).padStart(6)}  ${lat.p99.toFixed(3).padStart(7)}  ` +
      `${(q(result, 'ndcg_at_10') / q(base.result, 'ndcg_at_10')).toFixed(3).padStart(12)}  ${(lat.p50 / base.result.metrics.latency_ms!.p50).toFixed(3).padStart(11)}`,
  )
}
