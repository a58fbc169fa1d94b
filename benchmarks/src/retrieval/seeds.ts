/**
 * How stable the calibrated fusion is: for each collection and calibration seed, the fusion
 * that `chooseFusion` picks and the nDCG@10 it reaches on the collection's real queries, next
 * to two other rules over the same pseudo-query sweep (the plain best, and the most even
 * weights within one standard error), against the better side minus 0.01.
 *
 *   pnpm --filter @frugal/benchmarks exec node src/retrieval/seeds.ts [--collections cranfield,ham,spam,facts] [--seeds 1,2,3,4,5]
 */
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { Dataset } from '@frugal/datasets'
import { loadCranfield } from '@frugal/datasets/node'
import { LsaEmbedder } from '@frugal/models'
import {
  buildIndexSet,
  chooseFusion,
  type FusionSweep,
  fuse,
  fusionGrid,
  loadIndexSet,
  ndcgAt,
  sweepFusion,
} from '@frugal/retrieval'
import { factWorldCollection } from './fact-world.ts'
import { loadMailThreads } from './mail-threads.ts'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const { values: flags } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(repoRoot, '../shared/datasets/cranfield') },
    collections: { type: 'string', default: 'cranfield,ham,spam' },
    seeds: { type: 'string', default: '1,2,3,4,5' },
  },
})
const LOADERS: Record<string, () => Promise<Dataset> | Dataset> = {
  cranfield: () => loadCranfield(flags.data),
  ham: () => loadMailThreads('ham'),
  spam: () => loadMailThreads('spam'),
  facts: () => factWorldCollection(),
}
const seeds = flags.seeds.split(',').map(Number)
const grid = fusionGrid()
const key = (s: (typeof grid)[number]) => `${s.method} ${s.denseWeight.toFixed(2)}`

/** The most even weights among settings within one standard error of the best. */
function mostEvenWithinOneSe(sweep: FusionSweep): FusionSweep['grid'][number] {
  const best = sweep.grid.reduce((a, b) => (b.ndcg > a.ndcg ? b : a))
  const n = sweep.queries
  const close = sweep.grid.filter((c) => {
    if (c.setting.method !== best.setting.method) return false
    const d = Array.from(c.perQuery, (v, i) => best.perQuery[i]! - v)
    const m = d.reduce((s, x) => s + x, 0) / n
    const se = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1) / n)
    return m <= se
  })
  return close.reduce((a, b) =>
    Math.abs(b.setting.denseWeight - 0.5) < Math.abs(a.setting.denseWeight - 0.5) ? b : a,
  )
}

for (const name of flags.collections.split(',')) {
  const load = LOADERS[name]
  if (load === undefined) throw new Error(`--collections: unknown "${name}"`)
  const data = await load()
  const fit = { dims: 256 }
  const built = await buildIndexSet(data.documents, {
    embedder: { kind: 'lsa', fit },
    kind: 'flat',
    tune: false,
    calibrate: false,
  })
  const index = await loadIndexSet(built.files)
  const rowOf = new Map(data.documents.map((d, i) => [d.id, i]))
  const side = async (query: string, mode: 'dense' | 'lexical') => {
    const r = await index.search({ query, k: 100, mode, snippetChars: 0 })
    return {
      rows: Int32Array.from(r.hits, (h) => rowOf.get(h.id)!),
      scores: Float32Array.from(r.hits, (h) => h.score),
    }
  }
  // Real-query nDCG@10 of both sides and of every grid setting.
  const real = new Map<string, number>()
  let dense = 0
  let lexical = 0
  const judged = data.queries.filter((q) => data.qrels.has(q.id))
  for (const q of judged) {
    const rel = data.qrels.get(q.id)!
    const d = await side(q.text, 'dense')
    const l = await side(q.text, 'lexical')
    const ids = (rows: Int32Array) => Array.from(rows, (r) => data.documents[r]!.id)
    dense += ndcgAt(ids(d.rows), rel, 10) / judged.length
    lexical += ndcgAt(ids(l.rows), rel, 10) / judged.length
    for (const s of grid)
      real.set(key(s), (real.get(key(s)) ?? 0) + ndcgAt(ids(fuse(d, l, s, 10).rows), rel, 10) / judged.length)
  }
  const floor = Math.max(dense, lexical) - 0.01
  console.log(
    `\n${data.name}: real nDCG@10 dense ${dense.toFixed(4)}, bm25 ${lexical.toFixed(4)}; hybrid must reach ${floor.toFixed(4)}`,
  )
  console.log('seed  chooseFusion (used)       plain best                most even within 1 SE')
  const cell = (s: (typeof grid)[number]) => {
    const v = real.get(key(s))!
    return `${key(s)} ${v.toFixed(4)}${v >= floor ? ' ok' : ' NO'}`.padEnd(26)
  }
  for (const seed of seeds) {
    const sweep = await sweepFusion(
      {
        docs: data.documents,
        metric: 'cosine',
        embedder: (texts) => {
          const lsa = LsaEmbedder.fit(texts, fit)
          return { vectors: lsa.embedBatch(texts), dim: lsa.dims, embedQuery: (t) => lsa.embed(t) }
        },
      },
      { seed },
    )
    const best = sweep.grid.reduce((a, b) => (b.ndcg > a.ndcg ? b : a))
    console.log(
      `${String(seed).padEnd(5)} ${cell(chooseFusion(sweep)!.setting)}${cell(best.setting)}${cell(mostEvenWithinOneSe(sweep).setting)}`,
    )
  }
}
