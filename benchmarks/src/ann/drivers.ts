import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { AnnDataset } from './dataset.ts'
import type { BenchMetric } from './exact.ts'

/** Method parameters and per-setting search parameters: flat records of scalars. */
export type Params = Record<string, number | string | boolean>

/** One query's answer as the driver returns it (converted to plain ids after timing). */
export interface Answer {
  ids: ArrayLike<number | bigint>
  /** Distance FLOPs reported by the index (Frugal methods); undefined for peers. */
  flops: number | undefined
}

/** A built (or loaded) index, ready to search with one setting at a time. */
export interface BuiltIndex {
  /** Bytes the index holds in memory, and how that number was obtained. */
  indexBytes: number
  bytesMethod: string
  /** Extra facts worth reporting (e.g. code bytes of a binary index). */
  facts: Record<string, number>
  /**
   * Returns the search function of one setting, taking a query's row number (the driver prepares
   * the query in its API's form beforehand, so conversions stay outside the timed loop).
   */
  searcher(setting: Params): (query: number, k: number) => Answer
}

export interface DriverContext {
  data: AnnDataset
  /** Folder for index files of this method (cache and scratch). */
  workDir: string
  /** Reuse an index file saved by an earlier run with the same data and parameters. */
  reuse: boolean
  progress(stage: string, done: number, total: number): void
  log(line: string): void
}

export interface DriverBuild {
  index: BuiltIndex
  /** True when the index was read from `workDir` instead of built in this run. */
  cached: boolean
  /** Seconds the build took (in this run, or in the run that saved the cached index). */
  buildSeconds: number
}

export type Driver = (params: Params, ctx: DriverContext) => Promise<DriverBuild>

const require = createRequire(import.meta.url)

/** Times `build`, or loads the index saved by an earlier identical build when allowed. */
async function cachedBuild(
  ctx: DriverContext,
  file: string,
  build: () => Promise<void> | void,
  save: (path: string) => void,
  load: (path: string) => void,
): Promise<{ cached: boolean; buildSeconds: number }> {
  const path = join(ctx.workDir, file)
  const stamp = `${path}.build.json`
  if (ctx.reuse && existsSync(path) && existsSync(stamp)) {
    load(path)
    const { buildSeconds } = JSON.parse(readFileSync(stamp, 'utf8')) as { buildSeconds: number }
    ctx.log(`reused the index saved by an earlier run (${path}); its build took ${buildSeconds.toFixed(1)} s`)
    return { cached: true, buildSeconds }
  }
  const t0 = performance.now()
  await build()
  const buildSeconds = (performance.now() - t0) / 1000
  mkdirSync(ctx.workDir, { recursive: true })
  save(path)
  writeFileSync(stamp, JSON.stringify({ buildSeconds }))
  return { cached: false, buildSeconds }
}

function queryViews(data: AnnDataset): Float32Array[] {
  const { dim, queries } = data.meta
  return Array.from({ length: queries }, (_, i) => data.queries.subarray(i * dim, (i + 1) * dim))
}

function num(p: Params, key: string): number | undefined {
  const v = p[key]
  return typeof v === 'number' ? v : undefined
}

// ---------------------------------------------------------------------------------------
// Frugal (@frugal/ann), imported in the worker only.

type Ann = typeof import('@frugal/ann')
type Index = ReturnType<Ann['loadIndex']>

async function frugalDriver(
  ctx: DriverContext,
  make: (ann: Ann, kernels: WebAssembly.Module) => Index,
): Promise<DriverBuild> {
  const ann = await import('@frugal/ann')
  const { loadWasmKernels } = await import('@frugal/ann/node')
  const kernels = await loadWasmKernels()
  let index: Index | undefined
  const { cached, buildSeconds } = await cachedBuild(
    ctx,
    'index.frgl',
    () => {
      index = make(ann, kernels)
    },
    (path) => writeFileSync(path, index!.serialize()),
    (path) => {
      const bytes = readFileSync(path)
      index = ann.loadIndex(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      // Indexes that have WASM kernels run them, as when they were built.
      const withKernels = index as unknown as { useWasm?: (m: WebAssembly.Module) => unknown }
      if ((index.kind === 'graph' || index.kind === 'ivf-i8') && typeof withKernels.useWasm === 'function')
        withKernels.useWasm(kernels)
    },
  )
  const idx = index!
  const queries = queryViews(ctx.data)
  const facts: Record<string, number> = {}
  const extra = idx as unknown as { codeBytes?: () => number; rerankBytes?: () => number }
  if (typeof extra.codeBytes === 'function') facts.code_bytes = extra.codeBytes()
  if (typeof extra.rerankBytes === 'function') facts.rerank_bytes = extra.rerankBytes()
  return {
    cached,
    buildSeconds,
    index: {
      indexBytes: idx.byteSize(),
      bytesMethod: 'VectorIndex.byteSize() (typed arrays held by the index)',
      facts,
      searcher(setting) {
        const sp: Record<string, number> = {}
        for (const key of ['nprobe', 'clusterDims', 'scanDims', 'rerank', 'ef']) {
          const v = num(setting, key)
          if (v !== undefined) sp[key] = v
        }
        return (qi, k) => {
          const r = idx.search(queries[qi]!, k, sp)
          return { ids: r.ids, flops: r.cost.flops }
        }
      },
    },
  }
}

function progressOf(ctx: DriverContext) {
  return (stage: string, done: number, total: number) => ctx.progress(stage, done, total)
}

/** Frugal exact scan (TypeScript). */
export const frugalFlat: Driver = (_params, ctx) =>
  frugalDriver(ctx, (ann) => {
    const { base, meta } = ctx.data
    return ann.FlatIndex.build(base, meta.n, meta.dim, { metric: meta.metric })
  })

/** Frugal IVF: rigid when `clusterDims = storeDims = dim`, AdANNS-IVF otherwise. */
export const frugalIvf: Driver = (params, ctx) =>
  frugalDriver(ctx, (ann) => {
    const { base, meta } = ctx.data
    return ann.IvfIndex.build(base, meta.n, meta.dim, {
      metric: meta.metric,
      nlist: num(params, 'nlist')!,
      clusterDims: num(params, 'cluster_dims'),
      storeDims: num(params, 'store_dims'),
      iterations: num(params, 'kmeans_iterations'),
      maxPointsPerCentroid: num(params, 'kmeans_points_per_centroid'),
      seed: num(params, 'seed'),
      onProgress: progressOf(ctx),
    })
  })

/** Frugal AdANNS-IVF on an int8 store, scanned in WASM SIMD. */
export const frugalIvfInt8: Driver = (params, ctx) =>
  frugalDriver(ctx, (ann, kernels) => {
    const { base, meta } = ctx.data
    return ann.IvfInt8Index.build(base, meta.n, meta.dim, {
      metric: meta.metric,
      nlist: num(params, 'nlist')!,
      clusterDims: num(params, 'cluster_dims'),
      storeDims: num(params, 'store_dims'),
      iterations: num(params, 'kmeans_iterations'),
      maxPointsPerCentroid: num(params, 'kmeans_points_per_centroid'),
      seed: num(params, 'seed'),
      kernels,
      onProgress: progressOf(ctx),
    })
  })

/** Frugal IVF-PQ / AdANNS-OPQ. */
export const frugalIvfPq: Driver = (params, ctx) =>
  frugalDriver(ctx, (ann) => {
    const { base, meta } = ctx.data
    return ann.buildIvfPq(base, meta.n, meta.dim, {
      metric: meta.metric,
      nlist: num(params, 'nlist')!,
      clusterDims: num(params, 'cluster_dims'),
      pqDims: num(params, 'pq_dims'),
      m: num(params, 'm')!,
      opq: params.opq === true,
      keepVectors: params.keep_vectors === true,
      seed: num(params, 'seed'),
      kmeansIterations: num(params, 'kmeans_iterations'),
      pqIterations: num(params, 'pq_iterations'),
      opqIterations: params.opq === true ? num(params, 'opq_iterations') : undefined,
      opqTrainPoints: params.opq === true ? num(params, 'opq_train_points') : undefined,
      onProgress: progressOf(ctx),
    })
  })

/** Frugal binary codes + exact re-rank. */
export const frugalBinary: Driver = (params, ctx) =>
  frugalDriver(ctx, (ann) => {
    const { base, meta } = ctx.data
    return ann.buildBinary(base, meta.n, meta.dim, {
      metric: meta.metric,
      seed: num(params, 'seed'),
      onProgress: progressOf(ctx),
    })
  })

/** Frugal graph index (AdANNS on a graph: int8 prefix codes, full re-rank), in WASM SIMD. */
export const frugalGraph: Driver = (params, ctx) =>
  frugalDriver(ctx, (ann, kernels) => {
    const { base, meta } = ctx.data
    return ann.GraphIndex.build(base, meta.n, meta.dim, {
      metric: meta.metric,
      degree: num(params, 'degree'),
      efConstruction: num(params, 'ef_construction'),
      graphDims: Math.min(meta.dim, num(params, 'graph_dims') ?? 64),
      rerankStore: params.rerank_store as 'f32' | 'bf16' | 'i8',
      seed: num(params, 'seed'),
      kernels,
      onProgress: progressOf(ctx),
    })
  })

// ---------------------------------------------------------------------------------------
// Peers

interface HnswlibModule {
  HierarchicalNSW: new (
    space: string,
    dim: number,
  ) => {
    initIndex(max: number, m: number, efC: number, seed: number): void
    addPoint(p: number[], label: number): void
    searchKnn(q: number[], k: number): { neighbors: number[] }
    setEf(ef: number): void
    writeIndexSync(path: string): void
    readIndexSync(path: string): void
  }
}

const HNSW_SPACE: Record<BenchMetric, string> = { cosine: 'cosine', ip: 'ip', l2: 'l2' }

/** hnswlib-node (HNSW in C++ via N-API). Points are added one by one: its API is single-threaded. */
export const hnswlib: Driver = async (params, ctx) => {
  const { HierarchicalNSW } = require('hnswlib-node') as HnswlibModule
  const { base, meta } = ctx.data
  const index = new HierarchicalNSW(HNSW_SPACE[meta.metric], meta.dim)
  const m = num(params, 'm')!
  const efC = num(params, 'ef_construction')!
  const { cached, buildSeconds } = await cachedBuild(
    ctx,
    'hnswlib.bin',
    () => {
      index.initIndex(meta.n, m, efC, num(params, 'seed') ?? 100)
      for (let i = 0; i < meta.n; i++) {
        index.addPoint(Array.from(base.subarray(i * meta.dim, (i + 1) * meta.dim)), i)
        if ((i & 1023) === 0) ctx.progress('add', i, meta.n)
      }
      ctx.progress('add', meta.n, meta.n)
    },
    (path) => index.writeIndexSync(path),
    (path) => index.readIndexSync(path),
  )
  const file = join(ctx.workDir, 'hnswlib.bin')
  // The API takes plain arrays: convert the queries once, outside the timed loop.
  const queries = queryViews(ctx.data).map((q) => Array.from(q))
  return {
    cached,
    buildSeconds,
    index: {
      indexBytes: statSync(file).size,
      bytesMethod: 'size of the saved index file (vectors + graph links, as held in memory)',
      facts: {},
      searcher(setting) {
        index.setEf(num(setting, 'ef_search')!)
        return (qi, k) => ({ ids: index.searchKnn(queries[qi]!, k).neighbors, flops: undefined })
      },
    },
  }
}

interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void
  search(vector: Float32Array, k: number, threads: number): { keys: BigUint64Array }
  save(path: string): void
  load(path: string): void
}
interface UsearchModule {
  Index: new (config: Record<string, unknown>) => UsearchIndex
}

const USEARCH_METRIC: Record<BenchMetric, string> = { cosine: 'cos', ip: 'ip', l2: 'l2sq' }

/**
 * usearch (HNSW in C++ via N-API). Its search expansion is fixed when an index object is made, so
 * each setting loads the saved index into a new object with that expansion.
 */
export const usearch: Driver = async (params, ctx) => {
  const { Index } = require('usearch') as UsearchModule
  const { base, meta } = ctx.data
  const config = (expansionSearch: number) => ({
    metric: USEARCH_METRIC[meta.metric],
    dimensions: meta.dim,
    connectivity: num(params, 'connectivity')!,
    expansion_add: num(params, 'expansion_add')!,
    expansion_search: expansionSearch,
    quantization: 'f32',
  })
  const threads = num(params, 'build_threads') ?? 1
  let built: UsearchIndex | undefined
  const { cached, buildSeconds } = await cachedBuild(
    ctx,
    'usearch.bin',
    () => {
      built = new Index(config(64))
      const chunk = 4096
      for (let start = 0; start < meta.n; start += chunk) {
        const end = Math.min(meta.n, start + chunk)
        const keys = new BigUint64Array(end - start)
        for (let i = start; i < end; i++) keys[i - start] = BigInt(i)
        built.add(keys, base.subarray(start * meta.dim, end * meta.dim), threads)
        ctx.progress('add', end, meta.n)
      }
    },
    (path) => built!.save(path),
    () => {},
  )
  const file = join(ctx.workDir, 'usearch.bin')
  const queries = queryViews(ctx.data)
  let current: UsearchIndex | undefined
  return {
    cached,
    buildSeconds,
    index: {
      indexBytes: statSync(file).size,
      bytesMethod: 'size of the saved index file (vectors + graph links, as held in memory)',
      facts: {},
      searcher(setting) {
        built = undefined
        current = new Index(config(num(setting, 'expansion_search')!))
        current.load(file)
        const idx = current
        return (qi, k) => ({ ids: idx.search(queries[qi]!, k, 1).keys, flops: undefined })
      },
    },
  }
}

export const DRIVERS = {
  'frugal-flat': frugalFlat,
  'frugal-ivf': frugalIvf,
  'frugal-ivf-i8': frugalIvfInt8,
  'frugal-ivfpq': frugalIvfPq,
  'frugal-binary': frugalBinary,
  'frugal-graph': frugalGraph,
  hnswlib,
  usearch,
} satisfies Record<string, Driver>

export type DriverName = keyof typeof DRIVERS

/** Removes a method's scratch files (used with --no-reuse). */
export function clearWorkDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}
