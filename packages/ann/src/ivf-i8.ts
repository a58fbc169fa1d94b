import { AnnError } from './errors.ts'
import { parseParam } from './flat.ts'
import { type Artifact, ArtifactWriter, requireSection } from './format.ts'
import { parseFrontier, resolveFromFrontier } from './frontier.ts'
import { type ArenaExports, arenaBytes, KernelArena } from './kernels/arena.ts'
import { dotI8Rows } from './kernels/dots.ts'
import { heapDrainTs, KEY_MODE, keyOf, scanI8HeapTs } from './kernels/graph-search.ts'
import { encodeInt8, fitInt8Scales, pad16, prepareInt16Query } from './kernels/int8.ts'
import { assignNearest, type KmeansInit, trainKmeans } from './kmeans.ts'
import {
  normalizePrefixes,
  prepareQuery,
  type RowStore,
  scanRange,
  singleBlockStore,
} from './prefix-store.ts'
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

export interface IvfInt8Options {
  metric: Metric
  /** Number of inverted lists (k-means centroids). */
  nlist: number
  /** AdANNS `d_c`: leading dims used for k-means and probing (default min(dim, 64)). */
  clusterDims?: number
  /** Leading dims kept per vector as int8 codes, for scanning and re-ranking (default all). */
  storeDims?: number
  /** Scan prefixes `d_s` a search may use; each gets a precomputed norm column (default 16, 32, 64, ... and `storeDims`). */
  prefixDims?: number[]
  /** Defaults of searches: lists probed (1), scan prefix (`storeDims`), re-rank depth (none). */
  nprobe?: number
  scanDims?: number
  rerank?: number
  /** k-means settings (25 iterations, seed 1234, 256 points per centroid). */
  seed?: number
  iterations?: number
  init?: KmeansInit
  maxPointsPerCentroid?: number
  /** The compiled `kernels.wasm`: scans run in WASM SIMD. Without it they run in TypeScript. */
  kernels?: WebAssembly.Module
  onProgress?: (stage: 'kmeans' | 'assign', done: number, total: number) => void
}

/** Bounds of stored and per-query parameters. */
export const IVF_INT8_LIMITS = { maxDim: 65536, maxPrefixes: 64, maxRerank: 4096 } as const

const ASSIGN_CHUNK = 2048

interface Parts {
  metric: Metric
  dim: number
  n: number
  nlist: number
  clusterDims: number
  storeDims: number
  nprobe: number
  scanDims: number
  rerank: number
  prefixes: Int32Array
  centroids: Float32Array
  listOffsets: Int32Array
  ids: Int32Array
  scales: Float32Array
  codes: Int8Array
  norms: Float32Array
  frontier: FrontierPoint[] | undefined
  build: Record<string, unknown>
}

interface Scratch {
  arena: KernelArena | undefined
  exports: ArenaExports | undefined
  q16: Int16Array
  resKeys: Float32Array
  resIds: Int32Array
  res: number
  dots: Int32Array
  outIds: Int32Array
  outKeys: Float32Array
  dotsI: Int32Array
}

/**
 * AdANNS-IVF on an int8 store (`kind: 'ivf-i8'`): a coarse quantiser trained and probed on the
 * first `d_c` dims, inverted lists whose vectors are int8 codes (per-dimension scales) of the
 * first `storeDims` dims, scanned on a prefix `d_s` with a precomputed norm column (so a
 * shorter prefix always costs less), then optionally re-ranked on all stored dims. The scans
 * run in WASM SIMD (`useWasm`) or TypeScript, with the same results; the best candidates are
 * kept in a bounded heap, never sorted. 4 bytes per stored dim become 1.
 * @example
 * const index = IvfInt8Index.build(vectors, n, 768, { metric: 'cosine', nlist: 512, clusterDims: 64, kernels })
 * const hits = index.search(query, 10, { nprobe: 16, scanDims: 64, rerank: 100 })
 */
export class IvfInt8Index implements VectorIndex {
  readonly kind = 'ivf-i8' as const
  readonly metric: Metric
  readonly dim: number
  readonly size: number
  readonly nlist: number
  readonly clusterDims: number
  readonly storeDims: number
  readonly nprobe: number
  readonly scanDims: number
  readonly rerank: number
  /** Scan prefixes with a norm column. */
  readonly prefixes: Int32Array
  frontier: FrontierPoint[] | undefined
  readonly centroids: RowStore
  readonly listOffsets: Int32Array
  /** Original row id of each stored row (rows are grouped by list). */
  readonly ids: Int32Array
  scales: Float32Array
  codes: Int8Array
  /** One column of `size` values per prefix (cosine: inverse prefix norm; l2: squared; ip: none). */
  norms: Float32Array
  readonly #build: Record<string, unknown>
  #s: Scratch

  private constructor(p: Parts) {
    this.metric = p.metric
    this.dim = p.dim
    this.size = p.n
    this.nlist = p.nlist
    this.clusterDims = p.clusterDims
    this.storeDims = p.storeDims
    this.nprobe = p.nprobe
    this.scanDims = p.scanDims
    this.rerank = p.rerank
    this.prefixes = p.prefixes
    this.frontier = p.frontier
    this.centroids = singleBlockStore(p.centroids, p.nlist, p.clusterDims, p.metric)
    this.listOffsets = p.listOffsets
    this.ids = p.ids
    this.scales = p.scales
    this.codes = p.codes
    this.norms = p.norms
    this.#build = p.build
    this.#s = scratch(undefined, p.storeDims)
  }

  /** Trains the coarse quantiser on `d_c` dims, assigns every row and encodes the lists as int8. */
  static build(data: Float32Array, n: number, dim: number, options: IvfInt8Options): IvfInt8Index {
    const metric = checkMetric(options?.metric)
    checkVectors('data', data, n, dim)
    if (n < 1) throw new AnnError('INVALID_ARGUMENT', 'an IVF index needs at least one vector')
    checkInt('dim', dim, 1, IVF_INT8_LIMITS.maxDim)
    const nlist = checkInt('nlist', options.nlist, 1, n)
    const clusterDims = checkInt('clusterDims', options.clusterDims ?? Math.min(dim, 64), 1, dim)
    const storeDims = checkInt('storeDims', options.storeDims ?? dim, 1, dim)
    const prefixes = normalizePrefixes(options.prefixDims ?? defaultScanPrefixes(storeDims), storeDims)
    if (prefixes.length > IVF_INT8_LIMITS.maxPrefixes)
      throw new AnnError('INVALID_ARGUMENT', `at most ${IVF_INT8_LIMITS.maxPrefixes} prefixDims`)
    const nprobe = checkInt('nprobe', options.nprobe ?? 1, 1, nlist)
    const scanDims = checkInt('scanDims', options.scanDims ?? storeDims, 1, storeDims)
    if (metric !== 'ip' && !prefixes.includes(scanDims))
      throw new AnnError(
        'INVALID_ARGUMENT',
        `scanDims ${scanDims} is not one of prefixDims (${prefixes.join(', ')})`,
      )
    const rerank = checkInt('rerank', options.rerank ?? 0, 0, IVF_INT8_LIMITS.maxRerank)
    const seed = options.seed ?? 1234
    const iterations = options.iterations ?? 25
    const km = trainKmeans(data, n, clusterDims, {
      k: nlist,
      iterations,
      seed,
      init: options.init ?? 'random',
      maxPointsPerCentroid: options.maxPointsPerCentroid ?? 256,
      metric,
      stride: dim,
      onProgress: options.onProgress && ((i, t) => options.onProgress!('kmeans', i, t)),
    })
    const assign = new Int32Array(n)
    for (let start = 0; start < n; start += ASSIGN_CHUNK) {
      const count = Math.min(ASSIGN_CHUNK, n - start)
      assignNearest(data.subarray(start * dim), count, clusterDims, km.centroids, nlist, {
        metric,
        stride: dim,
        out: assign.subarray(start, start + count),
      })
      options.onProgress?.('assign', start + count, n)
    }
    const listOffsets = new Int32Array(nlist + 1)
    for (let i = 0; i < n; i++) listOffsets[assign[i]! + 1]!++
    for (let l = 0; l < nlist; l++) listOffsets[l + 1]! += listOffsets[l]!
    const fill = listOffsets.slice(0, nlist)
    const ids = new Int32Array(n)
    for (let i = 0; i < n; i++) ids[fill[assign[i]!]!++] = i
    // Rows in list order, unit length at storeDims for cosine; then int8 codes and norm columns.
    const rows = new Float32Array(n * storeDims)
    for (let r = 0; r < n; r++) {
      const src = ids[r]! * dim
      let s = 0
      for (let j = 0; j < storeDims; j++) {
        const v = data[src + j]!
        rows[r * storeDims + j] = v
        s += v * v
      }
      if (metric === 'cosine' && s > 0) {
        const inv = 1 / Math.sqrt(s)
        for (let j = 0; j < storeDims; j++) rows[r * storeDims + j] = rows[r * storeDims + j]! * inv
      }
    }
    const scales = fitInt8Scales(rows, n, storeDims, storeDims)
    const stride = pad16(storeDims)
    const codes = new Int8Array(n * stride)
    for (let r = 0; r < n; r++) encodeInt8(rows, r * storeDims, scales, codes, r * stride)
    const columns = metric === 'ip' ? 0 : prefixes.length
    const norms = new Float32Array(columns * n)
    for (let r = 0; r < n && columns; r++) {
      let s = 0
      let j = 0
      for (let c = 0; c < columns; c++) {
        const p = prefixes[c]!
        for (; j < p; j++) s += rows[r * storeDims + j]! ** 2
        norms[c * n + r] = metric === 'cosine' ? (s > 0 ? 1 / Math.sqrt(s) : 0) : s
      }
    }
    const index = new IvfInt8Index({
      metric,
      dim,
      n,
      nlist,
      clusterDims,
      storeDims,
      nprobe,
      scanDims,
      rerank,
      prefixes,
      centroids: km.centroids,
      listOffsets,
      ids,
      scales,
      codes,
      norms,
      frontier: undefined,
      build: {
        seed,
        iterations,
        init: options.init ?? 'random',
        maxPointsPerCentroid: options.maxPointsPerCentroid ?? 256,
      },
    })
    if (options.kernels) index.useWasm(options.kernels)
    return index
  }

  /** Reads an index from a validated artifact (see `loadIndex`), checking its structure and bounds. */
  static fromArtifact(artifact: Artifact): IvfInt8Index {
    const p = artifact.params
    const metric = parseParam(() => checkMetric(p.metric))
    const dim = parseParam(() => checkInt('dim', p.dim, 1, IVF_INT8_LIMITS.maxDim))
    const n = parseParam(() => checkInt('size', p.size, 1, 2 ** 31 - 1))
    const nlist = parseParam(() => checkInt('nlist', p.nlist, 1, n))
    const clusterDims = parseParam(() => checkInt('clusterDims', p.clusterDims, 1, dim))
    const storeDims = parseParam(() => checkInt('storeDims', p.storeDims, 1, dim))
    const nprobe = parseParam(() => checkInt('nprobe', p.nprobe, 1, nlist))
    const scanDims = parseParam(() => checkInt('scanDims', p.scanDims, 1, storeDims))
    const rerank = parseParam(() => checkInt('rerank', p.rerank, 0, IVF_INT8_LIMITS.maxRerank))
    const raw = p.prefixDims
    if (!Array.isArray(raw) || raw.length > IVF_INT8_LIMITS.maxPrefixes)
      throw new AnnError('CORRUPT', 'stored prefixDims are malformed')
    const prefixes = parseParam(() => normalizePrefixes(raw as number[], storeDims))
    if (prefixes.length !== raw.length || prefixes.some((v, i) => v !== raw[i]))
      throw new AnnError('CORRUPT', 'stored prefixDims are not sorted and unique')
    if (metric !== 'ip' && !prefixes.includes(scanDims))
      throw new AnnError('CORRUPT', 'stored scanDims has no norms')
    const build = typeof p.build === 'object' && p.build !== null ? (p.build as Record<string, unknown>) : {}
    const centroids = requireSection(artifact, 'centroids', 'f32', nlist * clusterDims)
    parseParam(() => checkFinite('centroids', centroids, clusterDims))
    const listOffsets = requireSection(artifact, 'list_offsets', 'i32', nlist + 1)
    if (listOffsets[0] !== 0 || listOffsets[nlist] !== n)
      throw new AnnError('CORRUPT', 'list offsets do not span the rows')
    for (let l = 0; l < nlist; l++)
      if (listOffsets[l]! > listOffsets[l + 1]!)
        throw new AnnError('CORRUPT', `list offsets decrease at list ${l}`)
    const ids = requireSection(artifact, 'ids', 'i32', n)
    const seen = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      const id = ids[i]!
      if (id < 0 || id >= n || seen[id])
        throw new AnnError('CORRUPT', `row ids are not a permutation (row ${i})`)
      seen[id] = 1
    }
    const scales = requireSection(artifact, 'scales', 'f32', storeDims)
    for (const s of scales)
      if (!(s > 0 && s * 127 <= MAX_MAGNITUDE))
        throw new AnnError('CORRUPT', 'stored int8 scales are invalid')
    const stride = pad16(storeDims)
    const codes = requireSection(artifact, 'codes', 'i8', n * stride)
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < stride; j++) {
        const c = codes[r * stride + j]!
        if (c === -128 || (j >= storeDims && c !== 0))
          throw new AnnError('CORRUPT', `stored codes of row ${r} are invalid`)
      }
    }
    const norms = requireSection(artifact, 'norms', 'f32', (metric === 'ip' ? 0 : prefixes.length) * n)
    for (const v of norms)
      if (!(v >= 0 && v <= 2 ** 80)) throw new AnnError('CORRUPT', 'stored norms are invalid')
    return new IvfInt8Index({
      metric,
      dim,
      n,
      nlist,
      clusterDims,
      storeDims,
      nprobe,
      scanDims,
      rerank,
      prefixes,
      centroids,
      listOffsets,
      ids,
      scales,
      codes,
      norms,
      frontier: parseFrontier(p.frontier, { dims: storeDims, clusterDims, nlist }),
      build,
    })
  }

  /** Moves the codes into an instance of the WASM kernels; later scans run there (same results). */
  useWasm(kernels: WebAssembly.Module): this {
    if (this.#s.arena) return this
    const arena = new KernelArena(
      kernels,
      arenaBytes(this.codes.length, 1) +
        arenaBytes(this.norms.length, 4) +
        arenaBytes(this.scales.length, 4) +
        scratchBytes(this.storeDims),
    )
    const codes = arena.i8(this.codes.length)
    codes.set(this.codes)
    const norms = arena.f32(this.norms.length)
    norms.set(this.norms)
    const scales = arena.f32(this.scales.length)
    scales.set(this.scales)
    this.codes = codes
    this.norms = norms
    this.scales = scales
    this.#s = scratch(arena, this.storeDims)
    return this
  }

  /** True when scans run in WASM. */
  get wasm(): boolean {
    return this.#s.arena !== undefined
  }

  search(query: Float32Array, k: number, params: SearchParams = {}): SearchResult {
    checkK(k)
    checkQuery(query, this.dim)
    return this.#search(query, k, this.#settings(params))
  }

  searchBatch(queries: Float32Array, k: number, params: SearchParams = {}): SearchResult[] {
    checkK(k)
    const count = checkQueries(queries, this.dim)
    const settings = this.#settings(params)
    const out: SearchResult[] = []
    for (let i = 0; i < count; i++)
      out.push(this.#search(queries.subarray(i * this.dim, (i + 1) * this.dim), k, settings))
    return out
  }

  byteSize(): number {
    const own =
      this.centroids.blocks[0]!.byteLength +
      this.centroids.norms.byteLength +
      this.listOffsets.byteLength +
      this.ids.byteLength
    if (this.#s.arena) return own + this.#s.arena.byteSize()
    return own + this.codes.byteLength + this.norms.byteLength + this.scales.byteLength
  }

  serialize(): Uint8Array {
    const writer = new ArtifactWriter('ivf-i8', {
      metric: this.metric,
      dim: this.dim,
      size: this.size,
      nlist: this.nlist,
      clusterDims: this.clusterDims,
      storeDims: this.storeDims,
      nprobe: this.nprobe,
      scanDims: this.scanDims,
      rerank: this.rerank,
      prefixDims: Array.from(this.prefixes),
      build: this.#build,
      frontier: this.frontier,
    })
    writer.addSection('centroids', this.centroids.blocks[0]!)
    writer.addSection('list_offsets', this.listOffsets)
    writer.addSection('ids', this.ids)
    writer.addSection('scales', this.scales)
    writer.addSection('codes', this.codes)
    writer.addSection('norms', this.norms)
    return writer.finish()
  }

  /** nprobe 1, 2, 4, ... (up to 256 or nlist) × every scan prefix of 16+ dims, each with and without a re-rank of 4k. */
  tuningGrid(k: number): SearchSettings[] {
    const nprobes: number[] = []
    for (let np = 1; np < Math.min(this.nlist, 256); np *= 2) nprobes.push(np)
    nprobes.push(Math.min(this.nlist, 256))
    const scans = Array.from(this.prefixes).filter((p) => p >= 16 || p === this.storeDims)
    const grid: SearchSettings[] = []
    for (const nprobe of nprobes) {
      for (const scanDims of scans) {
        grid.push({ nprobe, clusterDims: this.clusterDims, scanDims })
        if (scanDims < this.storeDims)
          grid.push({ nprobe, clusterDims: this.clusterDims, scanDims, rerank: 4 * k })
      }
    }
    return grid
  }

  #settings(params: SearchParams): SearchSettings {
    if (params === null || typeof params !== 'object')
      throw new AnnError('INVALID_ARGUMENT', 'params must be an object')
    if (params.ef !== undefined) throw new AnnError('INVALID_ARGUMENT', 'ef does not apply to an IVF index')
    const r = resolveFromFrontier(this.frontier, params) ?? params
    const scanDims = checkInt('scanDims', r.scanDims ?? this.scanDims, 1, this.storeDims)
    if (this.metric !== 'ip' && !this.prefixes.includes(scanDims))
      throw new AnnError(
        'INVALID_ARGUMENT',
        `scanDims must be one of the prefixes with norms (${this.prefixes.join(', ')}), got ${scanDims}`,
      )
    const settings: SearchSettings = {
      nprobe: checkInt('nprobe', r.nprobe ?? this.nprobe, 1, this.nlist),
      clusterDims: checkInt('clusterDims', r.clusterDims ?? this.clusterDims, 1, this.clusterDims),
      scanDims,
    }
    const rerank = checkInt('rerank', r.rerank ?? this.rerank, 0, IVF_INT8_LIMITS.maxRerank)
    if (rerank > 0) settings.rerank = rerank
    return settings
  }

  #column(p: number): Float32Array {
    if (this.metric === 'ip') return this.norms
    const c = this.prefixes.indexOf(p)
    return this.norms.subarray(c * this.size, (c + 1) * this.size)
  }

  #search(query: Float32Array, k: number, settings: SearchSettings): SearchResult {
    const s = this.#s
    const { metric, size: n, storeDims } = this
    const dc = settings.clusterDims!
    const nprobe = settings.nprobe!
    const ds = settings.scanDims
    const rerank = settings.rerank !== undefined && ds < storeDims ? Math.max(settings.rerank, k) : 0
    // Probe the centroids on dc dims (float).
    const qc = new Float32Array(dc)
    prepareQuery(query, 0, dc, metric, qc)
    let flops = 2 * dc
    const probe = new TopK(nprobe)
    flops += scanRange(this.centroids, 0, this.nlist, null, qc, dc, probe)
    const lists = new Int32Array(nprobe)
    const probed = probe.drain(lists, new Float64Array(nprobe))
    // Scan the probed lists on ds dims of the int8 codes, keeping the best `cap` rows.
    const cap = Math.min(rerank || k, n)
    if (k > IVF_INT8_LIMITS.maxRerank)
      throw new AnnError('INVALID_ARGUMENT', `k must be at most ${IVF_INT8_LIMITS.maxRerank}, got ${k}`)
    const d16 = pad16(ds)
    const q16 = s.q16.subarray(0, d16)
    const scale = prepareInt16Query(query, 0, ds, this.scales, q16)
    const mode = KEY_MODE[metric]
    const norms = this.#column(ds)
    const stride = pad16(storeDims)
    let size = 0
    let candidates = 0
    const offsets = this.listOffsets
    for (let i = 0; i < probed; i++) {
      const l = lists[i]!
      const start = offsets[l]!
      const count = offsets[l + 1]! - start
      candidates += count
      if (s.exports) {
        size = s.exports.scanI8Heap(
          this.codes.byteOffset,
          stride,
          start,
          count,
          q16.byteOffset,
          d16,
          scale,
          mode,
          norms.byteOffset,
          s.res,
          size,
          cap,
          s.dots.byteOffset,
        )
      } else {
        size = scanI8HeapTs(
          this.codes,
          stride,
          start,
          count,
          q16,
          d16,
          scale,
          mode,
          norms,
          s.resKeys,
          s.resIds,
          size,
          cap,
          s.dots,
        )
      }
    }
    flops += candidates * 2 * ds
    if (s.exports) s.exports.heapDrain(s.res, size, s.outIds.byteOffset, s.outKeys.byteOffset)
    else heapDrainTs(s.resKeys, s.resIds, size, s.outIds, s.outKeys)
    let m = size
    let keys = s.outKeys
    let usedDims = ds
    let rowsOut = s.outIds
    if (rerank) {
      // Re-rank the kept rows on every stored dim.
      const f16 = pad16(storeDims)
      const qf = s.q16.subarray(0, f16)
      const fscale = prepareInt16Query(query, 0, storeDims, this.scales, qf)
      if (s.exports)
        s.exports.dotI8Rows(
          this.codes.byteOffset,
          stride,
          s.outIds.byteOffset,
          m,
          qf.byteOffset,
          f16,
          s.dotsI.byteOffset,
        )
      else dotI8Rows(this.codes, stride, s.outIds, 0, m, qf, f16, s.dotsI)
      const full = this.#column(storeDims)
      const heap = new TopK(Math.min(k, m))
      for (let i = 0; i < m; i++) {
        const key = keyOf(s.dotsI[i]!, fscale, mode, full, s.outIds[i]!)
        if (key >= heap.threshold) heap.push(s.outIds[i]!, key)
      }
      candidates += m
      flops += 2 * storeDims + m * 2 * storeDims
      m = heap.size
      rowsOut = new Int32Array(m)
      const sel = new Float64Array(m)
      heap.drain(rowsOut, sel)
      keys = Float32Array.from(sel)
      usedDims = storeDims
    }
    m = Math.min(m, k)
    // Scores in the metric's own terms, on the prefix that ranked them.
    let qq = 0
    for (let j = 0; j < usedDims; j++) qq += query[j]! * query[j]!
    const qInv = qq > 0 ? 1 / Math.sqrt(qq) : 0
    const ids = new Int32Array(m)
    const scores = new Float32Array(m)
    for (let i = 0; i < m; i++) {
      ids[i] = this.ids[rowsOut[i]!]!
      const key = keys[i]!
      scores[i] = metric === 'cosine' ? key * qInv : metric === 'l2' ? Math.max(0, qq - key) : key
    }
    return { ids, scores, cost: { dims: Math.max(dc, usedDims), candidates, flops }, settings }
  }
}

/** 16, 32, 64, ... below `storeDims`, and `storeDims`. */
function defaultScanPrefixes(storeDims: number): number[] {
  const out: number[] = []
  for (let p = 16; p < storeDims; p *= 2) out.push(p)
  out.push(storeDims)
  return out
}

function scratchBytes(storeDims: number): number {
  const max = IVF_INT8_LIMITS.maxRerank
  return (
    arenaBytes(pad16(storeDims), 2) +
    arenaBytes(max, 8) +
    arenaBytes(64, 4) +
    2 * arenaBytes(max, 4) +
    arenaBytes(max, 4)
  )
}

function scratch(arena: KernelArena | undefined, storeDims: number): Scratch {
  const max = IVF_INT8_LIMITS.maxRerank
  if (arena) {
    return {
      arena,
      exports: arena.exports,
      q16: arena.i16(pad16(storeDims)),
      resKeys: new Float32Array(0),
      resIds: new Int32Array(0),
      res: arena.alloc(max * 8),
      dots: arena.i32(64),
      outIds: arena.i32(max),
      outKeys: arena.f32(max),
      dotsI: arena.i32(max),
    }
  }
  return {
    arena: undefined,
    exports: undefined,
    q16: new Int16Array(pad16(storeDims)),
    resKeys: new Float32Array(max),
    resIds: new Int32Array(max),
    res: 0,
    dots: new Int32Array(64),
    outIds: new Int32Array(max),
    outKeys: new Float32Array(max),
    dotsI: new Int32Array(max),
  }
}

/** Opens a saved `ivf-i8` index (registered with `loadIndex`). */
export function loadIvfInt8(artifact: Artifact): IvfInt8Index {
  return IvfInt8Index.fromArtifact(artifact)
}
