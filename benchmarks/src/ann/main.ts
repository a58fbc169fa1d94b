/**
 * The ANN benchmark: Frugal's index kinds and the HNSW libraries people would pick instead, side
 * by side in one run on one data set, each method in its own process.
 *
 *   pnpm --filter @frugal/benchmarks run bench:ann [-- --help]
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { collectProvenance, createProgress } from '@frugal/bench/node'
import { defineCommand, runMain } from 'citty'
import { loadPrepared, prepareFiles, prepareSynthetic, prepareText } from './dataset.ts'
import type { BenchMetric } from './exact.ts'
import { GROUPS, type MethodGroup, planMethods } from './grid.ts'
import { paretoFrontier, ROW_HEADER, ratioTable, rowCells, table, targetRatios, toRows } from './report.ts'
import { clearOldResults, toBenchResults, writeAll } from './results.ts'
import { type MethodOutcome, runMethod } from './runner.ts'
import { DEFAULT_SYNTHETIC } from './synthetic.ts'

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Why a peer is missing, or undefined when it loads. */
function peerProblem(name: string): string | undefined {
  try {
    createRequire(join(PKG, 'package.json'))(name)
    return undefined
  } catch (e) {
    return (e as Error).message.split('\n')[0]
  }
}

/** The last commit that touched a folder (cache key of the indexes built from its code). */
function sourceRevision(dir: string): string {
  try {
    return (
      execFileSync('git', ['log', '-1', '--format=%h', '--', dir], { cwd: dir, encoding: 'utf8' }).trim() ||
      'unknown'
    )
  } catch {
    return 'unknown'
  }
}

const FAISS_NOTE =
  'faiss-node is not run: its install step downloads prebuilt binaries from GitHub releases (or clones faiss with git), and this machine reaches only the npm registry; the npm tarball itself holds neither binaries nor faiss sources.'

const int = (v: string | undefined, name: string, min = 1): number | undefined => {
  if (v === undefined || v === '') return undefined
  const x = Number(v)
  if (!Number.isInteger(x) || x < min) throw new Error(`--${name} must be an integer >= ${min}, got "${v}"`)
  return x
}
const float = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined || v === '') return undefined
  const x = Number(v)
  if (!Number.isFinite(x) || x <= 0) throw new Error(`--${name} must be a positive number, got "${v}"`)
  return x
}

export const annCommand = defineCommand({
  meta: {
    name: 'bench:ann',
    description:
      'Frugal flat / rigid IVF / AdANNS-IVF / IVF-PQ / AdANNS-OPQ / binary / graph vs hnswlib-node and usearch: recall@10, wall-clock QPS on one thread, build time, memory, FLOPs',
  },
  args: {
    data: {
      type: 'string',
      description:
        'synthetic (Matryoshka-like mixture) | text (State of the Union + Moby Dick + SpamAssassin passages embedded by the default LSA embedder)',
      default: 'synthetic',
    },
    size: { type: 'string', description: 'synthetic: base vectors', default: '100000' },
    nq: { type: 'string', description: 'synthetic and text: held-out queries', default: '1000' },
    dim: { type: 'string', description: 'synthetic: dimensions', default: String(DEFAULT_SYNTHETIC.dim) },
    'centre-spread': {
      type: 'string',
      description: 'synthetic: spread of the cluster centres relative to the noise (smaller overlaps more)',
      default: String(DEFAULT_SYNTHETIC.centreSpread),
    },
    clusters: {
      type: 'string',
      description: 'synthetic: mixture components',
      default: String(DEFAULT_SYNTHETIC.clusters),
    },
    seed: { type: 'string', description: 'seed of the data and of every build', default: '42' },
    base: { type: 'string', description: 'base vectors (.fvecs/.bvecs) instead of the synthetic set' },
    queries: { type: 'string', description: 'query vectors (.fvecs) for --base' },
    gt: { type: 'string', description: 'ground-truth neighbours (.ivecs); computed exactly when absent' },
    hdf5: { type: 'string', description: 'an ann-benchmarks .hdf5 file (train/test/neighbors)' },
    metric: {
      type: 'string',
      description: 'cosine | ip | l2 for file inputs (default: the HDF5 distance, l2 for fvecs)',
    },
    'max-base': { type: 'string', description: 'file inputs: use only the first N base vectors' },
    'max-queries': { type: 'string', description: 'use only the first N queries' },
    grid: {
      type: 'string',
      description: 'default (fits ~6-8 min once indexes are cached) | full',
      default: 'default',
    },
    methods: {
      type: 'string',
      description: `comma-separated groups to run (${GROUPS.join(', ')}); default all`,
    },
    nlist: {
      type: 'string',
      description: 'inverted lists of every IVF method (default ~ 1.6 sqrt(n), a power of 2)',
    },
    'kmeans-iterations': {
      type: 'string',
      description: 'Lloyd iterations of the coarse quantisers',
      default: '10',
    },
    'kmeans-points': {
      type: 'string',
      description: 'k-means training points per centroid (sampled)',
      default: '64',
    },
    'graph-dims': {
      type: 'string',
      description:
        'Frugal graph: dims of the int8 prefix codes it is built and traversed on (comma-separated: one build each)',
      default: '64,128',
    },
    'hnsw-m': { type: 'string', description: 'HNSW M / usearch connectivity of the peers', default: '16' },
    'hnsw-ef-construction': {
      type: 'string',
      description: 'HNSW efConstruction / usearch expansion_add',
      default: '100',
    },
    'usearch-threads': {
      type: 'string',
      description: 'threads of the usearch build (searches use 1)',
      default: '2',
    },
    warmup: { type: 'string', description: 'warm-up queries per setting (not timed)', default: '50' },
    'min-queries': { type: 'string', description: 'measured queries per setting at least', default: '100' },
    'max-seconds': {
      type: 'string',
      description: 'stop measuring a setting after this many seconds',
      default: '8',
    },
    reuse: {
      type: 'boolean',
      description: 'reuse index files saved by an earlier identical build (--no-reuse rebuilds)',
      default: true,
    },
    write: {
      type: 'boolean',
      description: 'write results JSON + summary (--no-write to skip)',
      default: true,
    },
    out: { type: 'string', description: 'results folder', default: join(PKG, 'results') },
    cache: {
      type: 'string',
      description: 'data and index cache folder',
      default: join(PKG, '.cache', 'ann'),
    },
    quiet: { type: 'boolean', description: 'no progress bars', default: false },
  },
  async run({ args, rawArgs }) {
    const started = new Date()
    const command = `pnpm --filter @frugal/benchmarks run bench:ann${rawArgs.length ? ` -- ${rawArgs.join(' ')}` : ''}`
    const log = (line: string) => process.stderr.write(`${line}\n`)
    const progress = (label: string, total: number) =>
      createProgress(label, total, { quiet: args.quiet, lines: true, labelWidth: 28 })
    const grid = args.grid === 'full' ? 'full' : args.grid === 'default' ? 'default' : undefined
    if (!grid) throw new Error(`--grid must be default or full, got "${args.grid}"`)
    const metric = args.metric as BenchMetric | undefined
    if (metric && !['cosine', 'ip', 'l2'].includes(metric))
      throw new Error(`--metric must be cosine, ip or l2`)
    const wanted = args.methods
      ? (args.methods.split(',').map((s) => s.trim()) as MethodGroup[])
      : [...GROUPS]
    for (const g of wanted)
      if (!GROUPS.includes(g)) throw new Error(`--methods: unknown group "${g}" (${GROUPS.join(', ')})`)
    const seed = int(args.seed, 'seed', 0)!
    const only = typeof args.only === 'string' && args.only ? args.only.split(',') : undefined
    const load0 = loadavg()

    // 1. Data
    const cacheRoot = resolve(args.cache)
    let dataDir: string
    const hooks = { progress, log }
    if (args.data !== 'synthetic' && args.data !== 'text')
      throw new Error(`--data must be synthetic or text, got "${args.data}"`)
    if (args.data === 'text') {
      dataDir = prepareText(int(args.nq, 'nq')!, seed, 100, cacheRoot, hooks)
    } else if (args.hdf5 || args.base) {
      dataDir = await prepareFiles(
        {
          hdf5: args.hdf5,
          base: args.base,
          queries: args.queries,
          gt: args.gt,
          metric,
          maxBase: int(args['max-base'], 'max-base'),
          maxQueries: int(args['max-queries'], 'max-queries'),
        },
        100,
        cacheRoot,
        hooks,
      )
    } else {
      const spec = {
        ...DEFAULT_SYNTHETIC,
        n: int(args.size, 'size')!,
        queries: int(args.nq, 'nq')!,
        dim: int(args.dim, 'dim', 8)!,
        clusters: int(args.clusters, 'clusters')!,
        centreSpread: float(args['centre-spread'], 'centre-spread')!,
        seed,
      }
      dataDir = prepareSynthetic(spec, 100, cacheRoot, hooks)
    }
    const data = loadPrepared(dataDir)
    const { meta } = data
    const nq = Math.min(meta.queries, int(args['max-queries'], 'max-queries') ?? meta.queries)
    const nlist = int(args.nlist, 'nlist') ?? 2 ** Math.round(Math.log2(1.6 * Math.sqrt(meta.n)))

    // 2. Plan
    const plan = {
      k: 10,
      warmup: int(args.warmup, 'warmup', 0)!,
      minQueries: Math.min(nq, int(args['min-queries'], 'min-queries')!),
      maxSeconds: float(args['max-seconds'], 'max-seconds')!,
    }
    const methods = planMethods({
      dim: meta.dim,
      n: meta.n,
      grid,
      nlist,
      seed,
      kmeansIterations: int(args['kmeans-iterations'], 'kmeans-iterations')!,
      kmeansPointsPerCentroid: int(args['kmeans-points'], 'kmeans-points')!,
      hnswM: int(args['hnsw-m'], 'hnsw-m')!,
      hnswEfConstruction: int(args['hnsw-ef-construction'], 'hnsw-ef-construction')!,
      usearchBuildThreads: int(args['usearch-threads'], 'usearch-threads')!,
      graphDims: String(args['graph-dims'])
        .split(',')
        .map((v) => int(v.trim(), 'graph-dims')!),
    })
      .filter((m) => wanted.includes(m.group))
      .filter((m) => !only || only.includes(m.id))
    const annRevision = sourceRevision(join(PKG, '../packages/ann/src'))
    const peers = { hnswlib: peerProblem('hnswlib-node'), usearch: peerProblem('usearch') }

    const out: string[] = []
    const say = (line = '') => {
      out.push(line)
      process.stdout.write(`${line}\n`)
    }
    say(`# ANN benchmark: ${meta.name}`)
    say()
    say(
      `data: ${meta.n} x ${meta.dim} ${meta.metric}, ${nq} queries, ground truth: ${meta.groundTruth}; ${meta.source}`,
    )
    say(
      `machine: ${cpus()[0]?.model.trim()} x ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average at start ${load0.map((x) => x.toFixed(2)).join(' ')}`,
    )
    say(`command: ${command}`)
    say(
      `timing: single thread, one query per call, wall-clock QPS (measured queries / elapsed time); ${plan.warmup} warm-up queries (the last of the set, not measured) then up to ${nq - plan.warmup} other queries or ${plan.maxSeconds} s per setting (at least ${plan.minQueries}); k = ${plan.k}; nlist = ${nlist}`,
    )
    say(
      `peers: hnswlib-node ${peers.hnswlib ? `UNAVAILABLE (${peers.hnswlib})` : 'ok'}, usearch ${peers.usearch ? `UNAVAILABLE (${peers.usearch})` : 'ok'}`,
    )
    say(FAISS_NOTE)
    say()

    // 3. Run every method in its own process.
    const outcomes: MethodOutcome[] = []
    const workRoot = join(cacheRoot, 'indexes', meta.revision)
    mkdirSync(workRoot, { recursive: true })
    for (const method of methods) {
      const missing =
        method.group === 'hnswlib' ? peers.hnswlib : method.group === 'usearch' ? peers.usearch : undefined
      if (missing) {
        outcomes.push({ plan: method, ok: false, error: `peer not installed: ${missing}` })
        continue
      }
      log(`== ${method.label}: ${method.settings.length} settings`)
      const t0 = performance.now()
      const outcome = await runMethod(method, {
        dataDir,
        workRoot,
        reuse: args.reuse,
        annRevision,
        plan: { ...plan },
        quiet: args.quiet,
        log,
      })
      outcomes.push(outcome)
      if (outcome.ok) {
        const best = outcome.measurement.settings.reduce((a, b) => (b.recall > a.recall ? b : a))
        log(
          `   done in ${((performance.now() - t0) / 1000).toFixed(1)} s (build ${outcome.measurement.buildSeconds.toFixed(1)} s${outcome.measurement.cached ? ', reused' : ''}); best recall ${best.recall.toFixed(3)} at ${best.label}`,
        )
      } else {
        log(`   FAILED: ${outcome.error}`)
      }
    }

    // 4. Report
    const rows = toRows(outcomes, meta.n)
    say('## All settings')
    say()
    say('```')
    say(table(ROW_HEADER, rows.map(rowCells)))
    say('```')
    say(
      'build: * = index reused from an earlier run of the same build (time of that build). B/vector = index bytes / n (Frugal: byteSize(); peers: saved index file). peak RSS +MB = process.resourceUsage().maxRSS of the method process minus its RSS after loading the data set. MFLOPs/q = distance FLOPs reported by the index (multiply-add = 2).',
    )
    say()
    const rigid1 = rows.find((r) => r.group === 'rigid-ivf' && r.params.nprobe === 1)
    if (rigid1) {
      say(
        `hardness check: rigid IVF with nprobe = 1 reaches recall@10 ${rigid1.recall.toFixed(3)} (${rigid1.recall < 0.7 ? 'below' : 'NOT below'} 0.7)`,
      )
      say()
    }
    say('## Recall-QPS Pareto frontier (all methods)')
    say()
    say('```')
    say(table(ROW_HEADER, paretoFrontier(rows).map(rowCells)))
    say('```')
    say()
    say('## Ratios behind the targets')
    say()
    say('```')
    const ratios = targetRatios(rows, meta.n, meta.dim)
    say(ratioTable(ratios))
    say('```')
    say()
    for (const r of ratios) say(`- ${r.name}: ${r.detail}`)
    const failed = outcomes.filter((o) => !o.ok)
    if (failed.length) {
      say()
      say('## Not run / failed')
      say()
      for (const f of failed) if (!f.ok) say(`- ${f.plan.id}: ${f.error}`)
    }
    const load1 = loadavg()
    say()
    say(
      `load average at end ${load1.map((x) => x.toFixed(2)).join(' ')}; wall time ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`,
    )

    if (args.write) {
      const dir = resolve(args.out)
      mkdirSync(dir, { recursive: true })
      const provenance = collectProvenance({
        command,
        backend: 'js',
        seeds: { data: seed, build: seed },
        date: started,
      })
      const note = `machine shared with other work: load average ${load0[0]!.toFixed(2)} at start, ${load1[0]!.toFixed(2)} at end`
      clearOldResults(dir, meta)
      const items = outcomes.flatMap((o) => toBenchResults(o, { meta, plan, provenance, note }))
      await writeAll(dir, items)
      const summary = join(dir, `ann-${meta.name}.summary.md`)
      writeFileSync(summary, `${out.join('\n')}\n`)
      log(`wrote ${items.length} result files and ${summary}`)
    }
  },
})

/** `pnpm run x -- --flag` passes the `--` through; drop it so the flags after it are parsed. */
export function cliArgs(argv: string[]): string[] {
  return argv[0] === '--' ? argv.slice(1) : argv
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runMain(annCommand, { rawArgs: cliArgs(process.argv.slice(2)) })
}
