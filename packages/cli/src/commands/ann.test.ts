import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FlatIndex, loadIndex, Rng, readIvecs, writeFvecs, writeIvecs } from '@frugal/ann'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runFrugal } from '../testing/run-frugal.ts'

/** Runs the real `frugal` binary as a child process. */
const frugal = (...args: string[]) => runFrugal(args)

/** Clustered vectors whose leading dims carry most of the signal. */
function vectors(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed)
  const centres = new Rng(99)
  const c = Array.from({ length: 12 * dim }, () => centres.gaussian())
  const out = new Float32Array(n * dim)
  for (let i = 0; i < n; i++) {
    const k = rng.int(12)
    for (let j = 0; j < dim; j++)
      out[i * dim + j] = (c[k * dim + j]! + 0.5 * rng.gaussian()) / Math.sqrt(1 + j)
  }
  return out
}

describe('frugal ann', () => {
  const n = 1500
  const dim = 16
  const nq = 40
  const k = 10
  let dir = ''
  const path = (name: string) => join(dir, name)
  const base = vectors(n, dim, 1)
  const queries = vectors(nq, dim, 2)

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frugal-ann-cli-'))
    await writeFile(path('base.fvecs'), writeFvecs(base, n, dim))
    await writeFile(path('queries.fvecs'), writeFvecs(queries, nq, dim))
    const flat = FlatIndex.build(base, n, dim, { metric: 'cosine' })
    const gt = new Int32Array(nq * k)
    flat.searchBatch(queries, k).forEach((r, i) => {
      gt.set(r.ids, i * k)
    })
    await writeFile(path('gt.ivecs'), writeIvecs(gt, nq, k))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('builds a graph index, searches it at a chosen width and sweeps the width in eval', async () => {
    const built = await frugal(
      'ann',
      'build',
      '--base',
      path('base.fvecs'),
      '--kind',
      'graph',
      '--metric',
      'cosine',
      '--graph-dims',
      '8',
      '--degree',
      '12',
      '--ef-construction',
      '40',
      '--seed',
      '3',
      '--out',
      path('graph.frgl'),
    )
    expect(built.code, built.stderr).toBe(0)
    expect(built.stdout).toMatch(/built graph index of 1500 x 16/)
    expect(loadIndex(await readFile(path('graph.frgl'))).kind).toBe('graph')
    const searched = await frugal(
      'ann',
      'search',
      '--index',
      path('graph.frgl'),
      '--queries',
      path('queries.fvecs'),
      '--ef',
      '80',
      '--out',
      path('graph.ivecs'),
      '--json',
    )
    expect(searched.code, searched.stderr).toBe(0)
    expect(JSON.parse(searched.stdout).settings).toEqual({ ef: 80, scanDims: 8 })
    const evaluated = await frugal(
      'ann',
      'eval',
      '--index',
      path('graph.frgl'),
      '--queries',
      path('queries.fvecs'),
      '--gt',
      path('gt.ivecs'),
      '--json',
    )
    expect(evaluated.code, evaluated.stderr).toBe(0)
    const rows = evaluated.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const efs = rows.map((r) => r.settings.ef)
    expect(efs.length).toBeGreaterThan(5)
    expect(efs).toEqual([...efs].sort((a, b) => a - b))
    for (const r of rows) {
      expect(r.recall).toBeGreaterThanOrEqual(0)
      expect(r.qps).toBeGreaterThan(0)
    }
    expect(rows.at(-1).recall).toBeGreaterThanOrEqual(0.97)
    expect(rows.at(-1).recall).toBeGreaterThanOrEqual(rows[0].recall)
    const grid = await frugal(
      'ann',
      'eval',
      '--index',
      path('graph.frgl'),
      '--queries',
      path('queries.fvecs'),
      '--gt',
      path('gt.ivecs'),
      '--ef',
      '10,50',
      '--json',
    )
    expect(
      grid.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).settings.ef),
    ).toEqual([10, 50])
    const wrong = await frugal(
      'ann',
      'build',
      '--base',
      path('base.fvecs'),
      '--kind',
      'ivf',
      '--metric',
      'cosine',
      '--degree',
      '8',
      '--out',
      path('x.frgl'),
    )
    expect(wrong.code).not.toBe(0)
    expect(wrong.stderr).toMatch(/--degree does not apply to --kind ivf/)
    const badStore = await frugal(
      'ann',
      'build',
      '--base',
      path('base.fvecs'),
      '--kind',
      'graph',
      '--metric',
      'cosine',
      '--rerank-store',
      'f16',
      '--out',
      path('x.frgl'),
    )
    expect(badStore.code).not.toBe(0)
    expect(badStore.stderr).toMatch(/--rerank-store must be one of/)
  })

  it('builds, searches and evaluates an exact flat index', async () => {
    const built = await frugal(
      'ann',
      'build',
      '--base',
      path('base.fvecs'),
      '--kind',
      'flat',
      '--metric',
      'cosine',
      '--out',
      path('flat.frgl'),
    )
    expect(built.code, built.stderr).toBe(0)
    expect(built.stdout).toMatch(/built flat index of 1500 x 16/)
    const searched = await frugal(
      'ann',
      'search',
      '--index',
      path('flat.frgl'),
      '--queries',
      path('queries.fvecs'),
      '--k',
      '10',
      '--out',
      path('flat.ivecs'),
    )
    expect(searched.code, searched.stderr).toBe(0)
    const ids = readIvecs(await readFile(path('flat.ivecs')))
    const gt = readIvecs(await readFile(path('gt.ivecs')))
    expect(ids).toMatchObject({ n: nq, dim: k })
    expect(Array.from(ids.data)).toEqual(Array.from(gt.data))
    const evaluated = await frugal(
      'ann',
      'eval',
      '--index',
      path('flat.frgl'),
      '--queries',
      path('queries.fvecs'),
      '--gt',
      path('gt.ivecs'),
      '--json',
    )
    expect(evaluated.code, evaluated.stderr).toBe(0)
    const row = JSON.parse(evaluated.stdout.trim()) as { recall: number; flops: number; qps: number }
    expect(row.recall).toBe(1)
    expect(row.flops).toBeGreaterThan(2 * n * dim)
    expect(row.qps).toBeGreaterThan(0)
  })

  it('builds an AdANNS IVF index, evaluates a grid, tunes it and searches within a budget', {
    timeout: 120_000,
  }, async () => {
    const built = await frugal(
      'ann',
      'build',
      '--base',
      path('base.fvecs'),
      '--kind',
      'ivf',
      '--metric',
      'cosine',
      '--nlist',
      '16',
      '--cluster-dims',
      '8',
      '--seed',
      '3',
      '--out',
      path('ivf.frgl'),
    )
    expect(built.code, built.stderr).toBe(0)
    const index = loadIndex(await readFile(path('ivf.frgl')))
    expect(index.kind).toBe('ivf')
    const evaluated = await frugal(
      'ann',
      'eval',
      '--index',
      path('ivf.frgl'),
      '--queries',
      path('queries.fvecs'),
      '--gt',
      path('gt.ivecs'),
      '--nprobe',
      '1,16',
      '--scan-dims',
      '8,16',
    )
    expect(evaluated.code, evaluated.stderr).toBe(0)
    const lines = evaluated.stdout.trim().split('\n')
    expect(lines[1]).toMatch(/nprobe\s+d_c\s+d_s\s+R\s+recall@10\s+QPS\s+FLOPs\/query/)
    expect(lines.length).toBe(2 + 4)
    // Probing all 16 lists on all 16 dims is exact.
    expect(lines.at(-1)).toMatch(/^\s*16\s+8\s+16\s+-\s+1\.0000\s/)

    const tuned = await frugal(
      'ann',
      'tune',
      '--index',
      path('ivf.frgl'),
      '--queries',
      path('queries.fvecs'),
      '--gt',
      path('gt.ivecs'),
      '--out',
      path('tuned.frgl'),
    )
    expect(tuned.code, tuned.stderr).toBe(0)
    expect(tuned.stdout).toMatch(/frontier of \d+ settings/)
    const tunedIndex = loadIndex(await readFile(path('tuned.frgl')))
    expect(tunedIndex.frontier!.length).toBeGreaterThan(1)
    const best = tunedIndex.frontier!.at(-1)!
    const budgeted = await frugal(
      'ann',
      'search',
      '--index',
      path('tuned.frgl'),
      '--queries',
      path('queries.fvecs'),
      '--k',
      '10',
      '--budget',
      String(best.flops),
      '--out',
      path('b.ivecs'),
      '--json',
    )
    expect(budgeted.code, budgeted.stderr).toBe(0)
    const summary = JSON.parse(budgeted.stdout) as { settings: unknown; flops_per_query: number }
    expect(summary.settings).toEqual(best.settings)
    // Tuning from the base vectors instead of a ground-truth file gives the same frontier.
    const fromBase = await frugal(
      'ann',
      'tune',
      '--index',
      path('ivf.frgl'),
      '--queries',
      path('queries.fvecs'),
      '--base',
      path('base.fvecs'),
      '--out',
      path('tuned2.frgl'),
    )
    expect(fromBase.code, fromBase.stderr).toBe(0)
    expect(loadIndex(await readFile(path('tuned2.frgl'))).frontier).toEqual(tunedIndex.frontier)
  })

  it('builds IVF-PQ (OPQ) and binary indexes that become exact with a full re-rank', {
    timeout: 120_000,
  }, async () => {
    const pq = await frugal(
      ...[
        'ann',
        'build',
        '--base',
        path('base.fvecs'),
        '--kind',
        'ivfpq',
        '--metric',
        'cosine',
        '--nlist',
        '8',
      ],
      ...[
        '--cluster-dims',
        '8',
        '--pq-dims',
        '16',
        '--pq-m',
        '4',
        '--opq',
        '--keep-vectors',
        '--out',
        path('pq.frgl'),
      ],
    )
    expect(pq.code, pq.stderr).toBe(0)
    const bin = await frugal(
      ...['ann', 'build', '--base', path('base.fvecs'), '--kind', 'binary', '--metric', 'cosine'],
      ...['--out', path('bin.frgl')],
    )
    expect(bin.code, bin.stderr).toBe(0)
    expect(loadIndex(await readFile(path('pq.frgl'))).kind).toBe('ivfpq')
    expect(loadIndex(await readFile(path('bin.frgl'))).kind).toBe('binary')
    const common = ['--queries', path('queries.fvecs'), '--gt', path('gt.ivecs'), '--json']
    const [pqEval, binEval] = await Promise.all([
      frugal('ann', 'eval', '--index', path('pq.frgl'), ...common, '--nprobe', '8', '--rerank', String(n)),
      frugal('ann', 'eval', '--index', path('bin.frgl'), ...common, '--rerank', String(n)),
    ])
    expect(pqEval.code, pqEval.stderr).toBe(0)
    expect(binEval.code, binEval.stderr).toBe(0)
    expect((JSON.parse(pqEval.stdout) as { recall: number }).recall).toBe(1)
    expect((JSON.parse(binEval.stdout) as { recall: number }).recall).toBe(1)
    const searched = await frugal(
      ...['ann', 'search', '--index', path('bin.frgl'), '--queries', path('queries.fvecs'), '--k', '5'],
      ...['--rerank', '50', '--out', path('bin.ivecs')],
    )
    expect(searched.code, searched.stderr).toBe(0)
    expect(readIvecs(await readFile(path('bin.ivecs')))).toMatchObject({ n: nq, dim: 5 })
  })

  it('refuses bad flags with a message naming the flag and a non-zero exit', {
    timeout: 120_000,
  }, async () => {
    const build = ['build', '--base', path('base.fvecs'), '--out', path('x.frgl')]
    const search = ['search', '--queries', path('queries.fvecs'), '--out', path('x.ivecs')]
    const evaluate = [
      'eval',
      '--index',
      path('ivf.frgl'),
      '--queries',
      path('queries.fvecs'),
      '--gt',
      path('gt.ivecs'),
    ]
    const cases: [string[], RegExp][] = [
      [[...build, '--kind', 'hnsw', '--metric', 'l2'], /--kind must be one of/],
      [[...build, '--metric', 'l2', '--nlist', 'many'], /--nlist must be an integer/],
      [build, /--metric is required/],
      [[...build, '--kind', 'flat', '--metric', 'l2', '--nlist', '4'], /--nlist does not apply/],
      [[...build, '--metric', 'l2', '--nlsit', '4'], /unknown flag --nlsit/],
      [[...build, '--kind', 'ivfpq', '--metric', 'l2'], /--pq-m is required/],
      [[...search, '--index', path('flat.frgl'), '--k', '0'], /--k must be an integer >= 1/],
      [[...search, '--index', path('ivf.frgl'), '--budget', '1000'], /NO_FRONTIER/],
      [[...evaluate, '--nprobe', '1,x'], /--nprobe must list integers/],
      [[...evaluate, '--k', '20'], /fewer than --k 20/],
      [['tune', '--index', path('ivf.frgl'), '--queries', path('queries.fvecs')], /give --gt or --base/],
    ]
    // Two processes at a time: the machine running the tests may have few cores.
    for (let i = 0; i < cases.length; i += 2) {
      const batch = cases.slice(i, i + 2)
      const results = await Promise.all(batch.map(([args]) => frugal('ann', ...args)))
      results.forEach((r, j) => {
        const [args, message] = batch[j]!
        expect(r.code, args.join(' ')).not.toBe(0)
        expect(r.stderr, args.join(' ')).toMatch(message)
      })
    }
  })

  it('documents its flags in --help', async () => {
    const help = await frugal('ann', 'build', '--help')
    expect(help.code).toBe(0)
    for (const flag of [
      '--base',
      '--kind',
      '--metric',
      '--nlist',
      '--cluster-dims',
      '--pq-dims',
      '--pq-m',
      '--opq',
      '--seed',
      '--out',
    ]) {
      expect(help.stdout).toContain(flag)
    }
    const search = await frugal('ann', 'search', '--help')
    for (const flag of [
      '--index',
      '--queries',
      '--k',
      '--nprobe',
      '--scan-dims',
      '--rerank',
      '--budget',
      '--out',
    ]) {
      expect(search.stdout).toContain(flag)
    }
  })
})
