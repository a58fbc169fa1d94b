import { AnnError } from './errors.ts'
import { parseParam } from './flat.ts'
import { type Artifact, ArtifactWriter, requireSection } from './format.ts'
import { parseFrontier, resolveFromFrontier } from './frontier.ts'
import { type ArenaExports, arenaBytes, KernelArena } from './kernels/arena.ts'
import { dotBf16Rows, dotF32Rows, dotI8Rows, toBf16 } from './kernels/dots.ts'
import { GraphScratch, graphSearchTs, KEY_MODE, keyOf } from './kernels/graph-search.ts'
import { encodeInt8, fitInt8Scales, pad16, prepareInt16Query } from './kernels/int8.ts'
import { Rng } from './random.ts'
import { TopK } from './topk.ts'
import type {
  FrontierPoint,
  Metric,
  SearchParams,
  SearchResult,
  SearchSettings,
  VectorIndex,
} from './types.ts'
import {
  checkFinite,
  checkInt,
  checkK,
  checkMetric,
  checkQueries,
  checkQuery,
  checkVectors,
  MAX_MAGNITUDE,
} from './validate.ts'

/**
 * Where the full-dimension re-rank reads: float32 vectors, bfloat16 vectors (half the bytes,
 * 8-bit mantissa), or int8 codes of every dim (a quarter).
 */
export type GraphRerankStore = 'f32' | 'bf16' | 'i8'

export interface GraphOptions {
  metric: Metric
  /** Most neighbours per node (default 32, as HNSW's level-0 `2·M` with M = 16). */
  degree?: number
  /** Search width while inserting (default 100). */
  efConstruction?: number
  /** AdANNS `d_g`: leading dims the graph is built and traversed on, as int8 codes (default min(dim, 64)). */
  graphDims?: number
  /** Entry points tried first by every search (default min(n, 32), a seeded sample). */
  entryPoints?: number
  /** Default search width (default 64). */
  ef?: number
  /** Full-dimension re-rank store (default `bf16`). */
  rerankStore?: GraphRerankStore
  /** Seed of the insertion order and the entry points (default 1234). */
  seed?: number
  /**
   * The compiled `kernels.wasm`: the build and later searches run in WASM SIMD (the index
   * then lives in the module's memory). Without it everything runs in TypeScript.
   */
  kernels?: WebAssembly.Module
  onProgress?: (stage: 'insert', done: number, total: number) => void
}

/** Bounds of stored and per-query parameters (a loaded file cannot ask for more). */
export const GRAPH_LIMITS = { maxDegree: 256, maxEf: 4096, maxDim: 65536, maxEntryPoints: 4096 } as const

interface GraphParts {
  metric: Metric
  dim: number
  n: number
  degree: number
  graphDims: number
  codeDims: number
  efConstruction: number
  ef: number
  rerankStore: GraphRerankStore
  seed: number
  scales: Float32Array
  codes: Int8Array
  /** Column 0: the graph prefix; column 1: all dims (cosine: inverse norms; l2: squared norms). */
  norms: Float32Array
  adjacency: Int32Array
  seeds: Int32Array
  vectors: Float32Array | undefined
  half: Uint16Array | undefined
  frontier: FrontierPoint[] | undefined
}

/** Where the arrays of an index live and how its kernels run. */
interface Backend {
  arena: KernelArena | undefined
  exports: ArenaExports | undefined
  scratch: GraphScratch | undefined
  /** Query buffers and outputs reused by every search. */
  qf: Float32Array
  q16: Int16Array
  outIds: Int32Array
  outKeys: Float32Array
  dotsI: Int32Array
  dotsF: Float32Array
  cand: number
  res: number
  batch: number
  visited: Uint32Array
  stats: Int32Array
  epoch: number
}

const KEY_FOR = KEY_MODE
const RERANK_STORES: readonly GraphRerankStore[] = ['f32', 'bf16', 'i8']

/**
 * An adaptive proximity graph (`kind: 'graph'`): an HNSW-style single-layer graph built and
 * traversed on int8 codes of a short Matryoshka prefix (`graphDims`, AdANNS applied to a graph
 * index), entered from a seeded sample of nodes, then re-ranked on all dims (float vectors or
 * int8 codes of every dim). Neighbours are chosen by HNSW's heuristic (a candidate is kept
 * unless an already kept neighbour is closer to it than the new node), on the float prefix.
 * The build is sequential and seeded, so the same input gives the same bytes. `ef` (search
 * width) and `rerank` are per-query choices.
 * @example
 * const index = GraphIndex.build(vectors, n, 768, { metric: 'cosine', graphDims: 64, kernels })
 * const hits = index.search(query, 10, { ef: 48 })
 */
export class GraphIndex implements VectorIndex {
  readonly kind = 'graph' as const
  readonly metric: Metric
  readonly dim: number
  readonly size: number
  readonly degree: number
  readonly graphDims: number
  /** Dims held as int8 codes: `graphDims`, or `dim` with an int8 re-rank store. */
  readonly codeDims: number
  readonly efConstruction: number
  readonly ef: number
  readonly rerankStore: GraphRerankStore
  readonly seed: number
  frontier: FrontierPoint[] | undefined
  scales: Float32Array
  codes: Int8Array
  norms: Float32Array
  adjacency: Int32Array
  seeds: Int32Array
  vectors: Float32Array | undefined
  /** bfloat16 vectors of the `bf16` re-rank store. */
  half: Uint16Array | undefined
  #b: Backend

  private constructor(parts: GraphParts, arena: KernelArena | undefined) {
    this.metric = parts.metric
    this.dim = parts.dim
    this.size = parts.n
    this.degree = parts.degree
    this.graphDims = parts.graphDims
    this.codeDims = parts.codeDims
    this.efConstruction = parts.efConstruction
    this.ef = parts.ef
    this.rerankStore = parts.rerankStore
    this.seed = parts.seed
    this.frontier = parts.frontier
    this.scales = parts.scales
    this.codes = parts.codes
    this.norms = parts.norms
    this.adjacency = parts.adjacency
    this.seeds = parts.seeds
    this.vectors = parts.vectors
    this.half = parts.half
    this.#b = makeBackend(arena, parts.n, parts.dim, parts.degree)
  }

  /** Builds the graph (see the class). `data` holds `n * dim` floats, row-major. */
  static build(data: Float32Array, n: number, dim: number, options: GraphOptions): GraphIndex {
    const metric = checkMetric(options?.metric)
    checkVectors('data', data, n, dim)
    if (n < 1) throw new AnnError('INVALID_ARGUMENT', 'a graph index needs at least one vector')
    checkInt('dim', dim, 1, GRAPH_LIMITS.maxDim)
    const degree = checkInt('degree', options.degree ?? 32, 2, GRAPH_LIMITS.maxDegree)
    const efConstruction = checkInt('efConstruction', options.efConstruction ?? 100, 1, GRAPH_LIMITS.maxEf)
    const graphDims = checkInt('graphDims', options.graphDims ?? Math.min(dim, 64), 1, dim)
    const entry = checkInt(
      'entryPoints',
      options.entryPoints ?? Math.min(n, 32),
      1,
      Math.min(n, GRAPH_LIMITS.maxEntryPoints),
    )
    const ef = checkInt('ef', options.ef ?? 64, 1, GRAPH_LIMITS.maxEf)
    const rerankStore = options.rerankStore ?? 'bf16'
    if (!RERANK_STORES.includes(rerankStore))
      throw new AnnError(
        'INVALID_ARGUMENT',
        `rerankStore must be f32, bf16 or i8, got ${String(rerankStore)}`,
      )
    const seed = options.seed ?? 1234
    if (!Number.isInteger(seed))
      throw new AnnError('INVALID_ARGUMENT', `seed must be an integer, got ${seed}`)
    const codeDims = rerankStore === 'i8' ? dim : graphDims
    const stride = pad16(codeDims)

    // Rows as searched: unit length for cosine.
    const rows = new Float32Array(data)
    if (metric === 'cosine') {
      for (let i = 0; i < n; i++) {
        let s = 0
        for (let j = 0; j < dim; j++) s += rows[i * dim + j]! ** 2
        const inv = s > 0 ? 1 / Math.sqrt(s) : 0
        for (let j = 0; j < dim; j++) rows[i * dim + j] = rows[i * dim + j]! * inv
      }
    }
    const arena = options.kernels
      ? new KernelArena(options.kernels, storageBytes(n, dim, degree, codeDims, rerankStore, entry, metric))
      : undefined
    const alloc = allocator(arena)
    const scales = alloc.f32(codeDims)
    scales.set(fitInt8Scales(rows, n, dim, codeDims))
    const codes = alloc.i8(n * stride)
    for (let i = 0; i < n; i++) encodeInt8(rows, i * dim, scales, codes, i * stride)
    const norms = alloc.f32(metric === 'ip' ? 0 : 2 * n)
    if (metric !== 'ip') {
      for (let i = 0; i < n; i++) {
        let s = 0
        for (let j = 0; j < dim; j++) {
          s += rows[i * dim + j]! ** 2
          if (j === graphDims - 1) norms[i] = metric === 'cosine' ? (s > 0 ? 1 / Math.sqrt(s) : 0) : s
        }
        norms[n + i] = metric === 'cosine' ? (s > 0 ? 1 / Math.sqrt(s) : 0) : s
      }
    }
    const adjacency = alloc.i32(n * degree)
    adjacency.fill(-1)
    // Insertion order: a seeded permutation; its first nodes are the entry points.
    const rng = new Rng(seed)
    const order = new Int32Array(n)
    for (let i = 0; i < n; i++) order[i] = i
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1)
      const t = order[i]!
      order[i] = order[j]!
      order[j] = t
    }
    const seeds = alloc.i32(entry)
    seeds.set(order.subarray(0, entry))
    let vectors: Float32Array | undefined
    if (rerankStore === 'f32') {
      vectors = alloc.f32(n * dim)
      vectors.set(rows)
    }
    let half: Uint16Array | undefined
    if (rerankStore === 'bf16') {
      half = alloc.u16(n * dim)
      for (let i = 0; i < n * dim; i++) half[i] = toBf16(rows[i]!)
    }
    const index = new GraphIndex(
      {
        metric,
        dim,
        n,
        degree,
        graphDims,
        codeDims,
        efConstruction,
        ef,
        rerankStore,
        seed,
        scales,
        codes,
        norms,
        adjacency,
        seeds,
        vectors,
        half,
        frontier: undefined,
      },
      arena,
    )
    index.#insertAll(rows, order, options.onProgress)
    return index
  }

  /** Reads a graph index from a validated artifact (see `loadIndex`), checking its structure. */
  static fromArtifact(artifact: Artifact, kernels?: WebAssembly.Module): GraphIndex {
    const p = artifact.params
    const metric = parseParam(() => checkMetric(p.metric))
    const dim = parseParam(() => checkInt('dim', p.dim, 1, GRAPH_LIMITS.maxDim))
    const n = parseParam(() => checkInt('size', p.size, 1, 2 ** 31 - 1))
    const degree = parseParam(() => checkInt('degree', p.degree, 2, GRAPH_LIMITS.maxDegree))
    const graphDims = parseParam(() => checkInt('graphDims', p.graphDims, 1, dim))
    const efConstruction = parseParam(() =>
      checkInt('efConstruction', p.efConstruction, 1, GRAPH_LIMITS.maxEf),
    )
    const ef = parseParam(() => checkInt('ef', p.ef, 1, GRAPH_LIMITS.maxEf))
    const seed = parseParam(() => checkInt('seed', p.seed, -(2 ** 31), 2 ** 32))
    const rerankStore = p.rerankStore
    if (!RERANK_STORES.includes(rerankStore as GraphRerankStore))
      throw new AnnError('CORRUPT', `stored rerankStore is invalid: ${String(rerankStore)}`)
    const codeDims = rerankStore === 'i8' ? dim : graphDims
    if (p.codeDims !== codeDims) throw new AnnError('CORRUPT', 'stored codeDims disagree with rerankStore')
    const entry = parseParam(() =>
      checkInt('entryPoints', p.entryPoints, 1, Math.min(n, GRAPH_LIMITS.maxEntryPoints)),
    )
    const stride = pad16(codeDims)
    // Sizes are bounded before any section is read (requireSection checks the lengths).
    const scales = requireSection(artifact, 'scales', 'f32', codeDims)
    for (const s of scales)
      if (!(s > 0 && s * 127 <= MAX_MAGNITUDE))
        throw new AnnError('CORRUPT', 'stored int8 scales are invalid')
    const codes = requireSection(artifact, 'codes', 'i8', n * stride)
    for (let i = 0; i < n; i++) {
      for (let j = codeDims; j < stride; j++)
        if (codes[i * stride + j] !== 0) throw new AnnError('CORRUPT', 'code padding is not zero')
    }
    for (const c of codes)
      if (c === -128) throw new AnnError('CORRUPT', 'stored codes are outside [-127, 127]')
    const norms = requireSection(artifact, 'norms', 'f32', metric === 'ip' ? 0 : 2 * n)
    for (const v of norms)
      if (!(v >= 0 && v <= 2 ** 80)) throw new AnnError('CORRUPT', 'stored norms are invalid')
    const adjacency = requireSection(artifact, 'adjacency', 'i32', n * degree)
    for (let i = 0; i < n; i++) {
      let ended = false
      for (let t = 0; t < degree; t++) {
        const v = adjacency[i * degree + t]!
        if (v === -1) ended = true
        else if (ended || v < 0 || v >= n)
          throw new AnnError('CORRUPT', `adjacency of node ${i} is malformed`)
      }
    }
    const seeds = requireSection(artifact, 'seeds', 'i32', entry)
    for (const s of seeds)
      if (s < 0 || s >= n) throw new AnnError('CORRUPT', 'stored entry points are out of range')
    let vectors: Float32Array | undefined
    if (rerankStore === 'f32') {
      vectors = requireSection(artifact, 'vectors', 'f32', n * dim)
      parseParam(() => checkFinite('vectors', vectors!, dim))
    }
    let half: Uint16Array | undefined
    if (rerankStore === 'bf16') {
      half = requireSection(artifact, 'vectors_bf16', 'u16', n * dim)
      // Finite and within ±MAX_MAGNITUDE like every stored vector, so that no score overflows.
      const limit = toBf16(MAX_MAGNITUDE)
      for (const h of half)
        if ((h & 0x7fff) > limit) throw new AnnError('CORRUPT', 'stored vectors are out of range')
    }
    const parts: GraphParts = {
      metric,
      dim,
      n,
      degree,
      graphDims,
      codeDims,
      efConstruction,
      ef,
      rerankStore: rerankStore as GraphRerankStore,
      seed,
      scales,
      codes,
      norms,
      adjacency,
      seeds,
      vectors,
      half,
      frontier: parseFrontier(p.frontier, { dims: dim, ef: GRAPH_LIMITS.maxEf }),
    }
    const index = new GraphIndex(parts, undefined)
    if (kernels) index.useWasm(kernels)
    return index
  }

  /**
   * Moves the index into an instance of the WASM kernels (`kernels.wasm`): its arrays are
   * copied into the module's memory once and every later search runs there. Results are
   * identical to the TypeScript path.
   */
  useWasm(kernels: WebAssembly.Module): this {
    if (this.#b.arena) return this
    const arena = new KernelArena(
      kernels,
      storageBytes(
        this.size,
        this.dim,
        this.degree,
        this.codeDims,
        this.rerankStore,
        this.seeds.length,
        this.metric,
      ),
    )
    const alloc = allocator(arena)
    const move = <T extends Float32Array | Int32Array | Int8Array | Uint16Array>(
      src: T,
      make: (n: number) => T,
    ): T => {
      const dst = make(src.length)
      dst.set(src as never)
      return dst
    }
    this.scales = move(this.scales, alloc.f32)
    this.codes = move(this.codes, alloc.i8)
    this.norms = move(this.norms, alloc.f32)
    this.adjacency = move(this.adjacency, alloc.i32)
    this.seeds = move(this.seeds, alloc.i32)
    if (this.vectors) this.vectors = move(this.vectors, alloc.f32)
    if (this.half) this.half = move(this.half, alloc.u16)
    this.#b = makeBackend(arena, this.size, this.dim, this.degree)
    return this
  }

  /** True when searches run in WASM. */
  get wasm(): boolean {
    return this.#b.arena !== undefined
  }

  search(query: Float32Array, k: number, params: SearchParams = {}): SearchResult {
    checkK(k)
    checkQuery(query, this.dim)
    return this.#search(query, 0, k, this.#settings(params))
  }

  searchBatch(queries: Float32Array, k: number, params: SearchParams = {}): SearchResult[] {
    checkK(k)
    const count = checkQueries(queries, this.dim)
    const settings = this.#settings(params)
    const out: SearchResult[] = []
    for (let i = 0; i < count; i++) out.push(this.#search(queries, i * this.dim, k, settings))
    return out
  }

  /** Search widths `tune` and `frugal ann eval` sweep when given no grid: low to high recall. */
  tuningGrid(k: number): SearchSettings[] {
    const efs = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512].filter((e) => e >= k && e <= this.size)
    if (efs.length === 0) efs.push(Math.min(k, this.size))
    return efs.map((ef) => ({ ef, scanDims: this.graphDims }))
  }

  byteSize(): number {
    if (this.#b.arena) return this.#b.arena.byteSize()
    return (
      this.scales.byteLength +
      this.codes.byteLength +
      this.norms.byteLength +
      this.adjacency.byteLength +
      this.seeds.byteLength +
      (this.vectors?.byteLength ?? 0) +
      (this.half?.byteLength ?? 0)
    )
  }

  serialize(): Uint8Array {
    const writer = new ArtifactWriter('graph', {
      metric: this.metric,
      dim: this.dim,
      size: this.size,
      degree: this.degree,
      graphDims: this.graphDims,
      codeDims: this.codeDims,
      efConstruction: this.efConstruction,
      ef: this.ef,
      entryPoints: this.seeds.length,
      rerankStore: this.rerankStore,
      seed: this.seed,
      frontier: this.frontier,
    })
    writer.addSection('scales', this.scales)
    writer.addSection('codes', this.codes)
    writer.addSection('norms', this.norms)
    writer.addSection('adjacency', this.adjacency)
    writer.addSection('seeds', this.seeds)
    if (this.vectors) writer.addSection('vectors', this.vectors)
    if (this.half) writer.addSection('vectors_bf16', this.half)
    return writer.finish()
  }

  /** Number of neighbours of each node. */
  degrees(): Int32Array {
    const out = new Int32Array(this.size)
    for (let i = 0; i < this.size; i++) {
      let t = 0
      while (t < this.degree && this.adjacency[i * this.degree + t]! >= 0) t++
      out[i] = t
    }
    return out
  }

  #settings(params: SearchParams): SearchSettings {
    if (params === null || typeof params !== 'object')
      throw new AnnError('INVALID_ARGUMENT', 'params must be an object')
    for (const key of ['nprobe', 'clusterDims'] as const) {
      if (params[key] !== undefined)
        throw new AnnError('INVALID_ARGUMENT', `${key} does not apply to a graph index`)
    }
    if (params.scanDims !== undefined && params.scanDims !== this.graphDims)
      throw new AnnError(
        'INVALID_ARGUMENT',
        `scanDims of a graph index is fixed at build time (${this.graphDims}), got ${params.scanDims}`,
      )
    const resolved = resolveFromFrontier(this.frontier, params) ?? params
    const ef = checkInt('ef', resolved.ef ?? this.ef, 1, GRAPH_LIMITS.maxEf)
    const settings: SearchSettings = { ef, scanDims: this.graphDims }
    if (resolved.rerank !== undefined)
      settings.rerank = checkInt('rerank', resolved.rerank, 1, GRAPH_LIMITS.maxEf)
    return settings
  }

  #search(query: Float32Array, qo: number, k: number, settings: SearchSettings): SearchResult {
    const b = this.#b
    const { metric, dim, graphDims } = this
    const ef = Math.max(settings.ef!, Math.min(k, this.size))
    // The query as the stored rows: unit length for cosine.
    const qf = b.qf
    let qq = 0
    for (let j = 0; j < dim; j++) {
      const v = query[qo + j]!
      qf[j] = v
      qq += v * v
    }
    if (metric === 'cosine' && qq > 0) {
      const inv = 1 / Math.sqrt(qq)
      for (let j = 0; j < dim; j++) qf[j] = qf[j]! * inv
      qq = 1
    }
    const found = this.#graphSearch(qf, ef)
    const evaluated = b.stats[0]!
    const r = Math.min(found, settings.rerank ?? found)
    const full = this.#rerank(qf, r)
    const heap = new TopK(Math.min(k, r))
    const keys = full
    for (let i = 0; i < r; i++) {
      const key = keys[i]!
      if (key >= heap.threshold) heap.push(b.outIds[i]!, key)
    }
    const m = heap.size
    const ids = new Int32Array(m)
    const sel = new Float64Array(m)
    heap.drain(ids, sel)
    const scores = new Float32Array(m)
    for (let i = 0; i < m; i++) scores[i] = metric === 'l2' ? Math.max(0, qq - sel[i]!) : sel[i]!
    return {
      ids,
      scores,
      cost: {
        dims: dim,
        candidates: evaluated + r,
        flops: 2 * dim + evaluated * 2 * graphDims + r * 2 * dim,
      },
      settings,
    }
  }

  /** Graph search from the prepared float query; fills `outIds`/`outKeys` best first. */
  #graphSearch(qf: Float32Array, ef: number): number {
    const b = this.#b
    const d16 = pad16(this.graphDims)
    const q16 = b.q16.subarray(0, d16)
    const scale = prepareInt16Query(qf, 0, this.graphDims, this.scales, q16)
    return this.#searchCodes(q16, d16, scale, ef)
  }

  #searchCodes(q16: Int16Array, d16: number, scale: number, ef: number): number {
    const b = this.#b
    const mode = KEY_FOR[this.metric]
    const stride = pad16(this.codeDims)
    if (b.exports) {
      const e = b.exports
      if (b.epoch >= 0xfffffffe) {
        b.visited.fill(0)
        b.epoch = 0
      }
      const found = e.graphSearch(
        this.codes.byteOffset,
        stride,
        d16,
        this.adjacency.byteOffset,
        this.degree,
        this.seeds.byteOffset,
        this.seeds.length,
        q16.byteOffset,
        scale,
        mode,
        this.norms.byteOffset,
        ef,
        b.visited.byteOffset,
        ++b.epoch,
        b.cand,
        this.size,
        b.res,
        b.batch,
        b.outIds.byteOffset,
        b.outKeys.byteOffset,
        b.stats.byteOffset,
      )
      if (found < 0) throw new AnnError('INVALID_ARGUMENT', 'graph search scratch overflowed')
      return found
    }
    const s = b.scratch!
    const found = graphSearchTs(
      {
        codes: this.codes,
        stride,
        adjacency: this.adjacency,
        degree: this.degree,
        seeds: this.seeds,
        mode,
        norms: this.norms,
      },
      q16,
      d16,
      scale,
      ef,
      s,
      b.outIds,
      b.outKeys,
    )
    b.stats[0] = s.evaluated
    return found
  }

  /** Full-dimension keys of the first `r` found nodes (larger is better), in `dotsF`. */
  #rerank(qf: Float32Array, r: number): Float32Array {
    const b = this.#b
    const { metric, dim, size: n } = this
    const out = b.dotsF
    if (this.vectors || this.half) {
      if (this.vectors) {
        if (b.exports) {
          const e = b.exports
          e.dotF32Rows(
            this.vectors.byteOffset,
            dim * 4,
            b.outIds.byteOffset,
            r,
            qf.byteOffset,
            dim,
            out.byteOffset,
          )
        } else dotF32Rows(this.vectors, dim, b.outIds, 0, r, qf, dim, out)
      } else if (b.exports) {
        const e = b.exports
        e.dotBf16Rows(
          this.half!.byteOffset,
          dim * 2,
          b.outIds.byteOffset,
          r,
          qf.byteOffset,
          dim,
          out.byteOffset,
        )
      } else dotBf16Rows(this.half!, dim, b.outIds, 0, r, qf, dim, out)
      if (metric === 'l2') {
        for (let i = 0; i < r; i++) out[i] = Math.fround(2 * out[i]! - this.norms[n + b.outIds[i]!]!)
      }
      return out
    }
    const d16 = pad16(dim)
    const q16 = b.q16.subarray(0, d16)
    const scale = prepareInt16Query(qf, 0, dim, this.scales, q16)
    if (b.exports)
      b.exports.dotI8Rows(
        this.codes.byteOffset,
        d16,
        b.outIds.byteOffset,
        r,
        q16.byteOffset,
        d16,
        b.dotsI.byteOffset,
      )
    else dotI8Rows(this.codes, d16, b.outIds, 0, r, q16, d16, b.dotsI)
    const mode = KEY_FOR[metric]
    const fullNorms = metric === 'ip' ? this.norms : this.norms.subarray(n)
    for (let i = 0; i < r; i++) out[i] = keyOf(b.dotsI[i]!, scale, mode, fullNorms, b.outIds[i]!)
    return out
  }

  /** Inserts every node in `order` (the first is the graph's start). */
  #insertAll(rows: Float32Array, order: Int32Array, onProgress: GraphOptions['onProgress']): void {
    const n = this.size
    const { degree, graphDims, dim } = this
    const R = degree
    const b = this.#b
    const efc = Math.max(this.efConstruction, R)
    const d16 = pad16(graphDims)
    const q16 = b.q16.subarray(0, d16)
    const pk = pairKeyFn(rows, dim, graphDims, this.metric, this.norms)
    // Scratch for the neighbour selection (no allocation per node).
    const cIds = new Int32Array(Math.max(efc, R + 1))
    const cKeys = new Float64Array(Math.max(efc, R + 1))
    const kept = new Int32Array(R)
    const kept2 = new Int32Array(R)
    const seedsAll = this.seeds
    let inserted = 0
    for (let t = 0; t < n; t++) {
      const x = order[t]!
      if (t > 0) {
        // Entry points: those already inserted.
        const avail = Math.min(seedsAll.length, t)
        this.seeds = seedsAll.subarray(0, avail)
        const scale = prepareInt16Query(rows, x * dim, graphDims, this.scales, q16)
        const found = this.#searchCodes(q16, d16, scale, efc)
        for (let i = 0; i < found; i++) {
          const c = b.outIds[i]!
          cIds[i] = c
          cKeys[i] = pk(x, c)
        }
        sortByKey(cIds, cKeys, found)
        const m = selectNeighbours(cIds, cKeys, found, R, pk, kept)
        const row = x * R
        for (let i = 0; i < m; i++) this.adjacency[row + i] = kept[i]!
        // Reverse links; a full list is re-selected with the same heuristic.
        for (let i = 0; i < m; i++) {
          const nb = kept[i]!
          const nrow = nb * R
          let deg = 0
          while (deg < R && this.adjacency[nrow + deg]! >= 0) deg++
          if (deg < R) {
            this.adjacency[nrow + deg] = x
            continue
          }
          for (let j = 0; j < R; j++) {
            const c = this.adjacency[nrow + j]!
            cIds[j] = c
            cKeys[j] = pk(nb, c)
          }
          cIds[R] = x
          cKeys[R] = pk(nb, x)
          sortByKey(cIds, cKeys, R + 1)
          const mm = selectNeighbours(cIds, cKeys, R + 1, R, pk, kept2)
          for (let j = 0; j < R; j++) this.adjacency[nrow + j] = j < mm ? kept2[j]! : -1
        }
      }
      inserted++
      if (onProgress && (inserted & 1023) === 0) onProgress('insert', inserted, n)
    }
    this.seeds = seedsAll
    onProgress?.('insert', n, n)
  }
}

/** Similarity (larger is closer) of two stored rows on the graph prefix, in float. */
function pairKeyFn(
  rows: Float32Array,
  dim: number,
  d: number,
  metric: Metric,
  norms: Float32Array,
): (a: number, b: number) => number {
  const dotP = (a: number, b: number): number => {
    const ao = a * dim
    const bo = b * dim
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    let j = 0
    for (; j + 3 < d; j += 4) {
      s0 += rows[ao + j]! * rows[bo + j]!
      s1 += rows[ao + j + 1]! * rows[bo + j + 1]!
      s2 += rows[ao + j + 2]! * rows[bo + j + 2]!
      s3 += rows[ao + j + 3]! * rows[bo + j + 3]!
    }
    for (; j < d; j++) s0 += rows[ao + j]! * rows[bo + j]!
    return s0 + s1 + (s2 + s3)
  }
  if (metric === 'cosine') return (a, b) => dotP(a, b) * norms[a]! * norms[b]!
  if (metric === 'l2') return (a, b) => 2 * dotP(a, b) - norms[a]! - norms[b]!
  return dotP
}

/** Sorts the first `n` (id, key) pairs by key descending, then id ascending (insertion sort; n is small). */
function sortByKey(ids: Int32Array, keys: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const k = keys[i]!
    const id = ids[i]!
    let j = i - 1
    while (j >= 0 && (keys[j]! < k || (keys[j] === k && ids[j]! > id))) {
      keys[j + 1] = keys[j]!
      ids[j + 1] = ids[j]!
      j--
    }
    keys[j + 1] = k
    ids[j + 1] = id
  }
}

/**
 * HNSW's neighbour heuristic: walk the candidates closest first and keep one unless a kept
 * neighbour is closer to it than the base node is. At most `max` are written to `out`.
 */
function selectNeighbours(
  ids: Int32Array,
  keys: Float64Array,
  n: number,
  max: number,
  pk: (a: number, b: number) => number,
  out: Int32Array,
): number {
  let m = 0
  for (let i = 0; i < n && m < max; i++) {
    const c = ids[i]!
    const toBase = keys[i]!
    let good = true
    for (let j = 0; j < m; j++) {
      if (pk(c, out[j]!) > toBase) {
        good = false
        break
      }
    }
    if (good) out[m++] = c
  }
  return m
}

/** Bytes of linear memory an index (and its search scratch) needs. */
function storageBytes(
  n: number,
  dim: number,
  degree: number,
  codeDims: number,
  rerankStore: GraphRerankStore,
  entry: number,
  metric: Metric,
): number {
  return (
    arenaBytes(codeDims, 4) +
    arenaBytes(n * pad16(codeDims), 1) +
    arenaBytes(metric === 'ip' ? 0 : 2 * n, 4) +
    arenaBytes(n * degree, 4) +
    arenaBytes(entry, 4) +
    (rerankStore === 'f32' ? arenaBytes(n * dim, 4) : rerankStore === 'bf16' ? arenaBytes(n * dim, 2) : 0) +
    scratchBytes(n, dim, degree)
  )
}

function scratchBytes(n: number, dim: number, degree: number): number {
  const maxEf = GRAPH_LIMITS.maxEf
  return (
    arenaBytes(dim, 4) + // qf
    arenaBytes(pad16(dim), 2) + // q16
    2 * arenaBytes(maxEf, 4) + // outIds, outKeys
    arenaBytes(maxEf, 4) + // dotsI
    arenaBytes(maxEf, 4) + // dotsF
    arenaBytes(n, 8) + // cand
    arenaBytes(maxEf, 8) + // res
    arenaBytes(degree, 8) + // batch
    arenaBytes(n, 4) + // visited
    arenaBytes(1, 4) // stats
  )
}

interface Alloc {
  u16(n: number): Uint16Array
  f32(n: number): Float32Array
  i32(n: number): Int32Array
  i8(n: number): Int8Array
}

function allocator(arena: KernelArena | undefined): Alloc {
  if (arena)
    return {
      u16: (n) => arena.u16(n),
      f32: (n) => arena.f32(n),
      i32: (n) => arena.i32(n),
      i8: (n) => arena.i8(n),
    }
  return {
    u16: (n) => new Uint16Array(n),
    f32: (n) => new Float32Array(n),
    i32: (n) => new Int32Array(n),
    i8: (n) => new Int8Array(n),
  }
}

function makeBackend(arena: KernelArena | undefined, n: number, dim: number, degree: number): Backend {
  const maxEf = GRAPH_LIMITS.maxEf
  if (arena) {
    const b: Backend = {
      arena,
      exports: arena.exports,
      scratch: undefined,
      qf: arena.f32(dim),
      q16: arena.i16(pad16(dim)),
      outIds: arena.i32(maxEf),
      outKeys: arena.f32(maxEf),
      dotsI: arena.i32(maxEf),
      dotsF: arena.f32(maxEf),
      cand: arena.alloc(n * 8),
      res: arena.alloc(maxEf * 8),
      batch: arena.alloc(degree * 8),
      visited: arena.u32(n),
      stats: arena.i32(1),
      epoch: 0,
    }
    return b
  }
  return {
    arena: undefined,
    exports: undefined,
    scratch: new GraphScratch(n, degree, 64),
    qf: new Float32Array(dim),
    q16: new Int16Array(pad16(dim)),
    outIds: new Int32Array(maxEf),
    outKeys: new Float32Array(maxEf),
    dotsI: new Int32Array(maxEf),
    dotsF: new Float32Array(maxEf),
    cand: 0,
    res: 0,
    batch: 0,
    visited: new Uint32Array(0),
    stats: new Int32Array(1),
    epoch: 0,
  }
}

/** Opens a saved graph index (registered with `loadIndex`). */
export function loadGraph(artifact: Artifact): GraphIndex {
  return GraphIndex.fromArtifact(artifact)
}
