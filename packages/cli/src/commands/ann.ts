import { performance } from 'node:perf_hooks'
import {
  AnnError,
  buildBinary,
  buildIvfPq,
  exactGroundTruth,
  FlatIndex,
  GraphIndex,
  type GraphRerankStore,
  IvfIndex,
  type Measurement,
  type Metric,
  measure,
  type SearchParams,
  type SearchSettings,
  tune,
  type VectorIndex,
} from '@frugal/ann'
import {
  loadWasmKernels,
  readIndexFile as readIndexFileRaw,
  readNeighborsFile,
  readVectorFile,
  writeIndexFile,
  writeIvecsFile,
} from '@frugal/ann/node'
import { createProgress, type Progress } from '@frugal/bench/node'
import { type ArgsDef, type CommandDef, defineCommand } from 'citty'

/** A bad command line: reported as `frugal ann <cmd>: <message>` with exit code 2. */
class FlagError extends Error {}

const KINDS = ['flat', 'ivf', 'ivfpq', 'binary', 'graph'] as const
const RERANK_STORES = ['bf16', 'f32', 'i8'] as const
type Kind = (typeof KINDS)[number]
const METRICS: readonly Metric[] = ['cosine', 'ip', 'l2']

type Args = Record<string, string | boolean | string[] | undefined>

/** Runs a subcommand body, turning flag and library errors into a one-line message and a non-zero exit. */
function guarded<A extends ArgsDef>(
  name: string,
  args: A,
  body: (args: Args) => Promise<void>,
): CommandDef<A>['run'] {
  return async ({ args: parsed, rawArgs }) => {
    try {
      checkUnknownFlags(rawArgs, args)
      await body(parsed as unknown as Args)
    } catch (error) {
      if (error instanceof FlagError || error instanceof AnnError) {
        const code = error instanceof AnnError ? ` [${error.code}]` : ''
        console.error(`frugal ann ${name}: ${error.message}${code}`)
        process.exitCode = error instanceof FlagError ? 2 : 1
        return
      }
      throw error
    }
  }
}

function checkUnknownFlags(rawArgs: string[], defs: ArgsDef): void {
  const known = new Set(['help', 'h', ...Object.keys(defs)])
  for (const raw of rawArgs) {
    if (!raw.startsWith('--')) continue
    const name = raw.slice(2).split('=')[0]!
    const bare = name.startsWith('no-') ? name.slice(3) : name
    if (!known.has(name) && !known.has(bare)) throw new FlagError(`unknown flag --${name} (see --help)`)
  }
}

function str(args: Args, flag: string, required = false): string | undefined {
  const v = args[flag]
  if (Array.isArray(v)) throw new FlagError(`--${flag} was given more than once`)
  if (v === undefined || v === '' || typeof v === 'boolean') {
    if (v === true || v === '') throw new FlagError(`--${flag} needs a value`)
    if (required) throw new FlagError(`--${flag} is required`)
    return undefined
  }
  return v
}

function int(args: Args, flag: string, min: number, fallback?: number): number | undefined {
  const v = str(args, flag)
  if (v === undefined) return fallback
  if (!/^\d+$/.test(v.trim()) || Number(v) < min || !Number.isSafeInteger(Number(v))) {
    throw new FlagError(`--${flag} must be an integer >= ${min}, got '${v}'`)
  }
  return Number(v)
}

function num(args: Args, flag: string): number | undefined {
  const v = str(args, flag)
  if (v === undefined) return undefined
  const x = Number(v)
  if (v.trim() === '' || !Number.isFinite(x) || x <= 0)
    throw new FlagError(`--${flag} must be a positive number, got '${v}'`)
  return x
}

/** A comma-separated list of integers (grid flags of eval/tune). */
function intList(args: Args, flag: string, min: number): number[] | undefined {
  const v = str(args, flag)
  if (v === undefined) return undefined
  return v.split(',').map((part) => {
    const t = part.trim()
    if (!/^\d+$/.test(t) || Number(t) < min)
      throw new FlagError(`--${flag} must list integers >= ${min}, got '${v}'`)
    return Number(t)
  })
}

function oneOf<T extends string>(
  args: Args,
  flag: string,
  options: readonly T[],
  fallback?: T,
): T | undefined {
  const v = str(args, flag)
  if (v === undefined) return fallback
  if (!options.includes(v as T))
    throw new FlagError(`--${flag} must be one of ${options.join(', ')}, got '${v}'`)
  return v as T
}

/** One progress bar per build stage, replaced when the stage changes. */
function stageProgress(quiet: boolean): {
  report: (stage: string, done: number, total: number) => void
  stop: () => void
} {
  let current: { stage: string; bar: Progress } | undefined
  return {
    report(stage, done, total) {
      if (current?.stage !== stage) {
        current?.bar.stop()
        current = { stage, bar: createProgress(stage, total, { quiet }) }
      }
      current.bar.update(done, total)
    },
    stop() {
      current?.bar.stop()
      current = undefined
    },
  }
}

const common = {
  quiet: { type: 'boolean', description: 'No progress bars', default: false },
} as const

const buildArgs = {
  base: {
    type: 'string',
    description: 'Base vectors: .fvecs, .bvecs, or ann-benchmarks .hdf5/.h5 (its train set)',
  },
  kind: { type: 'string', description: `Index kind: ${KINDS.join(' | ')}`, default: 'ivf' },
  metric: {
    type: 'string',
    description: 'cosine | ip | l2 (default: the HDF5 file distance; required otherwise)',
  },
  nlist: { type: 'string', description: 'IVF lists (ivf, ivfpq; default round(4·sqrt(n)))' },
  'cluster-dims': {
    type: 'string',
    description: 'AdANNS d_c: dims used for k-means and probing (default all)',
  },
  'store-dims': { type: 'string', description: 'flat, ivf: dims kept per vector (default all)' },
  'pq-dims': {
    type: 'string',
    description: 'ivfpq: prefix length d that is product-quantised (default all)',
  },
  'pq-m': { type: 'string', description: 'ivfpq: sub-quantisers M = bytes per vector (required for ivfpq)' },
  opq: { type: 'boolean', description: 'ivfpq: learn an OPQ rotation', default: false },
  'keep-vectors': {
    type: 'boolean',
    description: 'ivfpq: also keep the float vectors, so that searches can --rerank',
    default: false,
  },
  'merge-radius': { type: 'string', description: 'binary: merge codes within this Hamming distance' },
  degree: { type: 'string', description: 'graph: most neighbours per node (default 32)' },
  'ef-construction': { type: 'string', description: 'graph: search width while inserting (default 100)' },
  'graph-dims': {
    type: 'string',
    description:
      'graph: AdANNS d_g, leading dims of the int8 codes it is built and traversed on (default 64)',
  },
  ef: { type: 'string', description: 'graph: default search width of searches (default 64)' },
  'rerank-store': {
    type: 'string',
    description: `graph: full-dimension re-rank store, ${RERANK_STORES.join(' | ')} (default bf16)`,
  },
  iterations: { type: 'string', description: 'k-means iterations (default 25)' },
  seed: { type: 'string', description: 'Random seed (default 1234)' },
  out: { type: 'string', description: 'Index file to write (.frgl)' },
  ...common,
} as const satisfies ArgsDef

const buildCommand = defineCommand({
  meta: { name: 'build', description: 'Build an index from a vector file and save it' },
  args: buildArgs,
  run: guarded('build', buildArgs, async (args) => {
    const basePath = str(args, 'base', true)!
    const out = str(args, 'out', true)!
    const kind = oneOf(args, 'kind', KINDS, 'ivf')!
    const quiet = args.quiet === true
    const seed = int(args, 'seed', 0, 1234)!
    const iterations = int(args, 'iterations', 0)
    const clusterDims = int(args, 'cluster-dims', 1)
    const storeDims = int(args, 'store-dims', 1)
    const pqDims = int(args, 'pq-dims', 1)
    const pqM = int(args, 'pq-m', 1)
    const mergeRadius = int(args, 'merge-radius', 0)
    const degree = int(args, 'degree', 2)
    const efConstruction = int(args, 'ef-construction', 1)
    const graphDims = int(args, 'graph-dims', 1)
    const ef = int(args, 'ef', 1)
    const rerankStore = oneOf(args, 'rerank-store', RERANK_STORES, undefined)
    let nlist = int(args, 'nlist', 1)
    for (const [flag, value, kinds] of [
      ['nlist', nlist, ['ivf', 'ivfpq']],
      ['cluster-dims', clusterDims, ['ivf', 'ivfpq']],
      ['store-dims', storeDims, ['flat', 'ivf']],
      ['pq-dims', pqDims, ['ivfpq']],
      ['pq-m', pqM, ['ivfpq']],
      ['opq', args.opq === true ? 1 : undefined, ['ivfpq']],
      ['keep-vectors', args['keep-vectors'] === true ? 1 : undefined, ['ivfpq']],
      ['merge-radius', mergeRadius, ['binary']],
      ['iterations', iterations, ['ivf', 'ivfpq']],
      ['degree', degree, ['graph']],
      ['ef-construction', efConstruction, ['graph']],
      ['graph-dims', graphDims, ['graph']],
      ['ef', ef, ['graph']],
      ['rerank-store', rerankStore, ['graph']],
    ] as const) {
      if (value !== undefined && !(kinds as readonly string[]).includes(kind)) {
        throw new FlagError(`--${flag} does not apply to --kind ${kind}`)
      }
    }
    if (kind === 'ivfpq' && pqM === undefined) throw new FlagError('--pq-m is required for --kind ivfpq')
    const file = await readVectorFile(basePath)
    const metric = oneOf(args, 'metric', METRICS, file.metric)
    if (!metric) throw new FlagError('--metric is required (cosine, ip or l2)')
    nlist ??= Math.max(1, Math.min(file.n, Math.round(4 * Math.sqrt(file.n))))
    const progress = stageProgress(quiet)
    const started = performance.now()
    let index: VectorIndex
    try {
      index = await buildIndex(kind, file.data, file.n, file.dim, {
        metric,
        nlist,
        clusterDims,
        storeDims,
        pqDims,
        pqM,
        opq: args.opq === true,
        keepVectors: args['keep-vectors'] === true,
        mergeRadius,
        seed,
        iterations,
        graph: { degree, efConstruction, graphDims, ef, rerankStore },
        onProgress: progress.report,
      })
    } finally {
      progress.stop()
    }
    const seconds = (performance.now() - started) / 1000
    const bytes = await writeIndexFile(out, index)
    console.log(
      `built ${kind} index of ${index.size} x ${index.dim} (${metric}) in ${seconds.toFixed(2)} s: ` +
        `${bytes} bytes -> ${out}`,
    )
  }),
})

interface BuildSettings {
  metric: Metric
  nlist: number
  clusterDims: number | undefined
  storeDims: number | undefined
  pqDims: number | undefined
  pqM: number | undefined
  opq: boolean
  keepVectors: boolean
  mergeRadius: number | undefined
  seed: number
  iterations: number | undefined
  graph: {
    degree: number | undefined
    efConstruction: number | undefined
    graphDims: number | undefined
    ef: number | undefined
    rerankStore: GraphRerankStore | undefined
  }
  onProgress: (stage: string, done: number, total: number) => void
}

async function buildIndex(
  kind: Kind,
  data: Float32Array,
  n: number,
  dim: number,
  s: BuildSettings,
): Promise<VectorIndex> {
  if (kind === 'flat') return FlatIndex.build(data, n, dim, { metric: s.metric, storeDims: s.storeDims })
  if (kind === 'graph') {
    return GraphIndex.build(data, n, dim, {
      metric: s.metric,
      degree: s.graph.degree,
      efConstruction: s.graph.efConstruction,
      graphDims: s.graph.graphDims ?? Math.min(dim, 64),
      ef: s.graph.ef,
      rerankStore: s.graph.rerankStore,
      seed: s.seed,
      kernels: await loadWasmKernels(),
      onProgress: s.onProgress,
    })
  }
  if (kind === 'ivf') {
    return IvfIndex.build(data, n, dim, {
      metric: s.metric,
      nlist: s.nlist,
      clusterDims: s.clusterDims,
      storeDims: s.storeDims,
      seed: s.seed,
      iterations: s.iterations,
      onProgress: (stage, done, total) =>
        s.onProgress(stage === 'kmeans' ? 'k-means' : 'assign', done, total),
    })
  }
  if (kind === 'ivfpq') {
    return buildIvfPq(data, n, dim, {
      metric: s.metric,
      nlist: s.nlist,
      clusterDims: s.clusterDims,
      pqDims: s.pqDims,
      m: s.pqM!,
      opq: s.opq,
      keepVectors: s.keepVectors,
      seed: s.seed,
      kmeansIterations: s.iterations,
      onProgress: s.onProgress,
    })
  }
  return buildBinary(data, n, dim, {
    metric: s.metric,
    seed: s.seed,
    ...(s.mergeRadius !== undefined ? { mergeRadius: s.mergeRadius } : {}),
    onProgress: s.onProgress,
  })
}

const searchArgs = {
  index: { type: 'string', description: 'Index file (.frgl)' },
  queries: { type: 'string', description: 'Query vectors: .fvecs/.bvecs or .hdf5/.h5 (its test set)' },
  k: { type: 'string', description: 'Neighbours per query', default: '10' },
  nprobe: { type: 'string', description: 'IVF lists probed per query (default: the index default)' },
  'cluster-dims': { type: 'string', description: 'IVF probe prefix d_c (at most the built d_c)' },
  'scan-dims': { type: 'string', description: 'AdANNS d_s: dims used to score candidates' },
  rerank: { type: 'string', description: 'Re-rank the top R candidates exactly' },
  ef: { type: 'string', description: 'graph: search width (default: the index default)' },
  budget: {
    type: 'string',
    description: 'FLOPs per query: the most accurate tuned setting within it (needs tune)',
  },
  'target-recall': {
    type: 'string',
    description: 'The cheapest tuned setting reaching this recall (needs tune)',
  },
  out: { type: 'string', description: 'Result ids (.ivecs, k per query, -1 padded)' },
  json: { type: 'boolean', description: 'Print the summary as JSON', default: false },
} as const satisfies ArgsDef

function searchParams(args: Args): SearchParams {
  const params: SearchParams = {}
  const nprobe = int(args, 'nprobe', 1)
  const clusterDims = int(args, 'cluster-dims', 1)
  const scanDims = int(args, 'scan-dims', 1)
  const rerank = int(args, 'rerank', 1)
  const ef = int(args, 'ef', 1)
  const budget = num(args, 'budget')
  const targetRecall = num(args, 'target-recall')
  if (targetRecall !== undefined && targetRecall > 1) throw new FlagError('--target-recall must be in (0, 1]')
  if (nprobe !== undefined) params.nprobe = nprobe
  if (clusterDims !== undefined) params.clusterDims = clusterDims
  if (scanDims !== undefined) params.scanDims = scanDims
  if (rerank !== undefined) params.rerank = rerank
  if (ef !== undefined) params.ef = ef
  if (budget !== undefined) params.budget = budget
  if (targetRecall !== undefined) params.targetRecall = targetRecall
  return params
}

async function readQueries(path: string, index: VectorIndex): Promise<{ data: Float32Array; n: number }> {
  const q = await readVectorFile(path, { part: 'test' })
  if (q.dim !== index.dim) {
    throw new AnnError('DIMENSION_MISMATCH', `queries have ${q.dim} dims, the index has ${index.dim}`)
  }
  return q
}

const searchCommand = defineCommand({
  meta: { name: 'search', description: 'Search an index with a query file and write the neighbour ids' },
  args: searchArgs,
  run: guarded('search', searchArgs, async (args) => {
    const indexPath = str(args, 'index', true)!
    const queriesPath = str(args, 'queries', true)!
    const out = str(args, 'out', true)!
    const k = int(args, 'k', 1, 10)!
    const params = searchParams(args)
    const index = await readIndexFile(indexPath)
    const queries = await readQueries(queriesPath, index)
    const started = performance.now()
    const results = index.searchBatch(queries.data, k, params)
    const seconds = (performance.now() - started) / 1000
    const ids = new Int32Array(queries.n * k).fill(-1)
    let flops = 0
    results.forEach((r, i) => {
      ids.set(r.ids, i * k)
      flops += r.cost.flops
    })
    await writeIvecsFile(out, ids, queries.n, k)
    const summary = {
      queries: queries.n,
      k,
      settings: results[0]?.settings ?? null,
      qps: seconds > 0 ? queries.n / seconds : null,
      flops_per_query: queries.n ? flops / queries.n : 0,
      out,
    }
    if (args.json) console.log(JSON.stringify(summary))
    else {
      console.log(
        `searched ${queries.n} queries (k=${k}, ${formatSettings(summary.settings)}): ` +
          `${summary.qps?.toFixed(0) ?? '-'} QPS, ${Math.round(summary.flops_per_query)} FLOPs/query -> ${out}`,
      )
    }
  }),
})

const gridArgs = {
  nprobe: { type: 'string', description: 'Grid: lists probed, comma-separated (e.g. 1,2,4,8)' },
  'cluster-dims': { type: 'string', description: 'Grid: probe prefixes d_c, comma-separated' },
  'scan-dims': { type: 'string', description: 'Grid: scan prefixes d_s, comma-separated' },
  rerank: { type: 'string', description: 'Grid: re-rank depths R, comma-separated (0 = none)' },
  ef: {
    type: 'string',
    description: 'Grid: graph search widths, comma-separated (a graph with no grid flags sweeps 10 ... 512)',
  },
} as const satisfies ArgsDef

/** The cartesian product of the grid flags given, or undefined when none is. */
function gridFromFlags(args: Args): SearchSettings[] | undefined {
  const nprobe = intList(args, 'nprobe', 1)
  const clusterDims = intList(args, 'cluster-dims', 1)
  const scanDims = intList(args, 'scan-dims', 1)
  const rerank = intList(args, 'rerank', 0)
  const efs = intList(args, 'ef', 1)
  if (!nprobe && !clusterDims && !scanDims && !rerank && !efs) return undefined
  const grid: SearchSettings[] = []
  for (const np of nprobe ?? [undefined]) {
    for (const dc of clusterDims ?? [undefined]) {
      for (const ds of scanDims ?? [undefined]) {
        for (const r of rerank ?? [undefined]) {
          for (const ef of efs ?? [undefined]) {
            const s = {} as SearchSettings
            if (np !== undefined) s.nprobe = np
            if (dc !== undefined) s.clusterDims = dc
            if (ds !== undefined) s.scanDims = ds
            if (r) s.rerank = r
            if (ef !== undefined) s.ef = ef
            grid.push(s)
          }
        }
      }
    }
  }
  return grid
}

function formatSettings(s: SearchSettings | null | undefined): string {
  if (!s) return 'defaults'
  const parts = [
    s.nprobe !== undefined ? `nprobe=${s.nprobe}` : '',
    s.clusterDims !== undefined ? `d_c=${s.clusterDims}` : '',
    `d_s=${s.scanDims}`,
    s.rerank !== undefined ? `R=${s.rerank}` : '',
    s.ef !== undefined ? `ef=${s.ef}` : '',
  ]
  return parts.filter(Boolean).join(' ')
}

function printTable(k: number, rows: Measurement[]): void {
  // The search width column only for indexes that have one (graph).
  const withEf = rows.some((m) => m.settings.ef !== undefined)
  const header = [
    'nprobe',
    'd_c',
    'd_s',
    'R',
    ...(withEf ? ['ef'] : []),
    `recall@${k}`,
    'QPS',
    'FLOPs/query',
    'candidates',
  ]
  const lines = rows.map((m) => [
    String(m.settings.nprobe ?? '-'),
    String(m.settings.clusterDims ?? '-'),
    String(m.settings.scanDims),
    String(m.settings.rerank ?? '-'),
    ...(withEf ? [String(m.settings.ef ?? '-')] : []),
    m.recall.toFixed(4),
    Number.isFinite(m.qps) ? m.qps.toFixed(0) : '-',
    Math.round(m.flops).toString(),
    Number.isFinite(m.candidates) ? Math.round(m.candidates).toString() : '-',
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const fmt = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ')
  console.log(fmt(header))
  for (const l of lines) console.log(fmt(l))
}

async function readTruth(path: string, queries: number, k: number) {
  const gt = await readNeighborsFile(path)
  if (gt.n !== queries)
    throw new AnnError('DIMENSION_MISMATCH', `--gt has ${gt.n} rows for ${queries} queries`)
  if (gt.dim < k)
    throw new AnnError('DIMENSION_MISMATCH', `--gt has ${gt.dim} neighbours per query, fewer than --k ${k}`)
  return { ids: gt.data, k: gt.dim }
}

const evalArgs = {
  index: searchArgs.index,
  queries: searchArgs.queries,
  gt: { type: 'string', description: 'True neighbour ids: .ivecs or .hdf5 (its neighbors set)' },
  k: searchArgs.k,
  ...gridArgs,
  json: { type: 'boolean', description: 'Print one JSON object per setting', default: false },
} as const satisfies ArgsDef

const evalCommand = defineCommand({
  meta: {
    name: 'eval',
    description: 'Measure recall@k, QPS and FLOPs/query of an index over a grid of settings',
  },
  args: evalArgs,
  run: guarded('eval', evalArgs, async (args) => {
    const index = await readIndexFile(str(args, 'index', true)!)
    const queries = await readQueries(str(args, 'queries', true)!, index)
    const k = int(args, 'k', 1, 10)!
    const truth = await readTruth(str(args, 'gt', true)!, queries.n, k)
    // A graph given no grid sweeps its search width from low to high recall.
    const grid =
      gridFromFlags(args) ??
      (index.kind === 'graph' && index.tuningGrid ? index.tuningGrid(k) : [{} as SearchSettings])
    const rows = grid.map((settings) => measure(index, queries.data, truth, k, settings))
    if (args.json) for (const r of rows) console.log(JSON.stringify({ k, ...r }))
    else {
      console.log(`${index.kind} index, ${index.size} x ${index.dim} (${index.metric}), ${queries.n} queries`)
      printTable(k, rows)
    }
  }),
})

const tuneArgs = {
  index: searchArgs.index,
  queries: { type: 'string', description: 'Held-out query vectors (.fvecs/.bvecs/.hdf5)' },
  gt: { type: 'string', description: 'True neighbour ids (.ivecs/.hdf5); or give --base' },
  base: { type: 'string', description: 'Base vectors to compute the ground truth exactly (instead of --gt)' },
  k: searchArgs.k,
  ...gridArgs,
  out: { type: 'string', description: 'Where to write the tuned index (default: overwrite --index)' },
  ...common,
} as const satisfies ArgsDef

const tuneCommand = defineCommand({
  meta: {
    name: 'tune',
    description: 'Measure recall vs FLOPs over a grid and store the Pareto frontier in the index',
  },
  args: tuneArgs,
  run: guarded('tune', tuneArgs, async (args) => {
    const indexPath = str(args, 'index', true)!
    const index = await readIndexFile(indexPath)
    const queries = await readQueries(str(args, 'queries', true)!, index)
    const k = int(args, 'k', 1, 10)!
    const gtPath = str(args, 'gt')
    const basePath = str(args, 'base')
    if (!gtPath && !basePath) throw new FlagError('give --gt or --base for the ground truth')
    if (gtPath && basePath) throw new FlagError('give only one of --gt and --base')
    let truth: { ids: Int32Array; k: number }
    if (gtPath) truth = await readTruth(gtPath, queries.n, k)
    else {
      const base = await readVectorFile(basePath!)
      if (base.n !== index.size || base.dim !== index.dim) {
        throw new AnnError(
          'DIMENSION_MISMATCH',
          `--base holds ${base.n} x ${base.dim}, the index ${index.size} x ${index.dim}`,
        )
      }
      truth = exactGroundTruth(base.data, base.n, base.dim, index.metric, queries.data, k)
    }
    const grid = gridFromFlags(args)
    const bar = createProgress('tune', grid?.length ?? 1, { quiet: args.quiet === true })
    let frontier: ReturnType<typeof tune>
    try {
      frontier = tune(index, queries.data, {
        k,
        groundTruth: truth,
        ...(grid ? { grid } : {}),
        onProgress: (done, total) => bar.update(done, total),
      })
    } finally {
      bar.stop()
    }
    const out = str(args, 'out') ?? indexPath
    await writeIndexFile(out, index)
    console.log(`frontier of ${frontier.length} settings (recall@${k} vs FLOPs/query) -> ${out}`)
    printTable(
      k,
      frontier.map((p) => ({
        settings: p.settings,
        recall: p.recall,
        flops: p.flops,
        candidates: Number.NaN,
        qps: Number.NaN,
      })),
    )
  }),
})

/** Opens an index file; a graph index runs on the WASM SIMD kernels. */
async function readIndexFile(path: string): Promise<VectorIndex> {
  const index = await readIndexFileRaw(path)
  if (index instanceof GraphIndex) index.useWasm(await loadWasmKernels())
  return index
}

/** `frugal ann`: build, search, evaluate and tune @frugal/ann indexes. */
export const annCommand = defineCommand({
  meta: {
    name: 'ann',
    description: 'Adaptive vector search: build, search, eval and tune indexes (@frugal/ann)',
  },
  subCommands: { build: buildCommand, search: searchCommand, eval: evalCommand, tune: tuneCommand },
})
