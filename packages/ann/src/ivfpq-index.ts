import { dot, l2sq, normalizeInPlace } from './distance.ts'
import { AnnError } from './errors.ts'
import { ArtifactWriter } from './format.ts'
import { resolveFromFrontier } from './frontier.ts'
import { adcScan } from './kernels/adc.ts'
import { exactScores } from './kernels/rerank.ts'
import { WasmAdc } from './kernels/wasm.ts'
import { rotate } from './opq.ts'
import type { ProductQuantizer } from './pq.ts'
import { TopK } from './topk.ts'
import type {
  FrontierPoint,
  Metric,
  SearchParams,
  SearchResult,
  SearchSettings,
  VectorIndex,
} from './types.ts'
import { checkInt, checkK, checkQueries, checkQuery } from './validate.ts'

/** The artifact kind of an IVF-PQ index. */
export const IVFPQ_KIND = 'ivfpq'

/** The arrays and parameters an {@link IvfPqIndex} is made of. */
export interface IvfPqInit {
  metric: Metric
  dim: number
  size: number
  nlist: number
  clusterDims: number
  pqDims: number
  nprobe: number
  rerank: number
  /** `nlist * clusterDims`: centroids probed at query time. */
  probeCentroids: Float32Array
  /** `nlist * pqDims`: list means in the (rotated) PQ space, the base of the residuals. */
  listCentroids: Float32Array
  /** `nlist + 1` offsets into `listIds` / `codes`. */
  listOffsets: Int32Array
  listIds: Int32Array
  codes: Uint8Array
  pq: ProductQuantizer
  rotation: Float32Array | undefined
  vectors: Float32Array | undefined
  frontier?: FrontierPoint[] | undefined
}

/**
 * IVF-PQ with AdANNS prefixes (AdANNS-OPQ): a coarse quantiser trained and probed on the
 * first `clusterDims` values, residuals of the first `pqDims` values against their list's
 * mean, product-quantised (optionally after an OPQ rotation) to `m` bytes per vector,
 * scanned with per-query ADC tables, and optionally re-ranked exactly.
 *
 * Scoring, in the PQ space `x_p` (the `pqDims` prefix, unit length for `cosine`, rotated
 * by `R` under OPQ, with list mean `c` and decoded residual `r`):
 * - `ip` / `cosine`: `<q, c + r> = <q, c> + Σ_j T[j][code_j]` with one inner-product table
 *   `T` per query and one dot product per probed list;
 * - `l2`: `|q - c - r|²` from a distance table of `q - c` built per probed list.
 * Rigid IVF-PQ / IVF-OPQ is the case `clusterDims = pqDims = dim`.
 */
export class IvfPqIndex implements VectorIndex {
  readonly kind = IVFPQ_KIND
  readonly metric: Metric
  readonly dim: number
  readonly size: number
  frontier: FrontierPoint[] | undefined
  readonly nlist: number
  readonly clusterDims: number
  readonly pqDims: number
  readonly nprobe: number
  readonly rerank: number
  readonly probeCentroids: Float32Array
  readonly listCentroids: Float32Array
  readonly listOffsets: Int32Array
  readonly listIds: Int32Array
  readonly codes: Uint8Array
  readonly pq: ProductQuantizer
  readonly rotation: Float32Array | undefined
  readonly vectors: Float32Array | undefined

  #q: Float32Array
  #qp: Float32Array
  #qr: Float32Array
  #table: Float32Array
  #wasm: WasmAdc | undefined
  readonly #longest: number
  #rotScratch: Float64Array
  #listScores: Float32Array
  #cand: Int32Array
  #candKeys: Float64Array
  #exact: Float64Array

  constructor(init: IvfPqInit) {
    this.metric = init.metric
    this.dim = init.dim
    this.size = init.size
    this.nlist = init.nlist
    this.clusterDims = init.clusterDims
    this.pqDims = init.pqDims
    this.nprobe = init.nprobe
    this.rerank = init.rerank
    this.probeCentroids = init.probeCentroids
    this.listCentroids = init.listCentroids
    this.listOffsets = init.listOffsets
    this.listIds = init.listIds
    this.codes = init.codes
    this.pq = init.pq
    this.rotation = init.rotation
    this.vectors = init.vectors
    this.frontier = init.frontier
    this.#q = new Float32Array(this.dim)
    this.#qp = new Float32Array(this.pqDims)
    this.#qr = new Float32Array(this.pqDims)
    this.#table = new Float32Array(this.pq.m * this.pq.ksub)
    this.#rotScratch = new Float64Array(this.pqDims)
    let longest = 0
    for (let l = 0; l < this.nlist; l++)
      longest = Math.max(longest, init.listOffsets[l + 1]! - init.listOffsets[l]!)
    this.#listScores = new Float32Array(longest)
    this.#longest = longest
    this.#cand = new Int32Array(0)
    this.#candKeys = new Float64Array(0)
    this.#exact = new Float64Array(0)
  }

  /**
   * Runs the ADC scans on the WASM kernel from now on (bit-identical scores). The codes are
   * copied into the module's memory.
   * @param module the compiled `kernels.wasm` (`loadWasmKernels()` in Node, an import in workerd)
   */
  useWasm(module: WebAssembly.Module): this {
    this.#wasm = new WasmAdc(module, this.codes, this.pq.m, this.pq.ksub, this.#longest)
    return this
  }

  /** Whether scans run on the WASM kernel. */
  get usesWasm(): boolean {
    return this.#wasm !== undefined
  }

  /** Bytes per vector in the scanned codes. */
  get codeSize(): number {
    return this.pq.m
  }

  /** Bytes of the PQ codes alone (`size * m`). */
  codeBytes(): number {
    return this.codes.byteLength
  }

  /** Bytes of the float32 re-rank store (0 without `keepVectors`). */
  rerankBytes(): number {
    return this.vectors?.byteLength ?? 0
  }

  byteSize(): number {
    return (
      this.codes.byteLength +
      this.listIds.byteLength +
      this.listOffsets.byteLength +
      this.probeCentroids.byteLength +
      this.listCentroids.byteLength +
      this.pq.byteSize() +
      (this.rotation?.byteLength ?? 0) +
      (this.vectors?.byteLength ?? 0) +
      (this.#wasm?.byteSize() ?? 0)
    )
  }

  search(query: Float32Array, k: number, params: SearchParams = {}): SearchResult {
    checkQuery(query, this.dim)
    return this.#search(query, 0, checkK(k), params)
  }

  searchBatch(queries: Float32Array, k: number, params: SearchParams = {}): SearchResult[] {
    const nq = checkQueries(queries, this.dim)
    checkK(k)
    const out: SearchResult[] = []
    for (let i = 0; i < nq; i++) {
      out.push(this.#search(queries, i * this.dim, k, params))
    }
    return out
  }

  /** The settings `tune` measures by default: nprobe doublings, with and without re-ranking when vectors are kept. */
  tuningGrid(k: number): SearchSettings[] {
    const grid: SearchSettings[] = []
    const reranks = this.vectors ? [0, 2 * k, 5 * k, 10 * k, 20 * k] : [0]
    for (let nprobe = 1; ; nprobe = Math.min(2 * nprobe, this.nlist)) {
      for (const rerank of reranks) {
        const s: SearchSettings = {
          nprobe,
          clusterDims: this.clusterDims,
          scanDims: rerank ? this.dim : this.pqDims,
        }
        if (rerank) s.rerank = rerank
        grid.push(s)
      }
      if (nprobe === this.nlist || nprobe >= 256) break
    }
    return grid
  }

  #search(queries: Float32Array, qo: number, k: number, params: SearchParams): SearchResult {
    const { dim, metric, nlist, pqDims, pq } = this
    const settings = resolveFromFrontier(this.frontier, params) ?? params
    const nprobe = checkInt('nprobe', settings.nprobe ?? this.nprobe, 1, nlist)
    const clusterDims = checkInt('clusterDims', settings.clusterDims ?? this.clusterDims, 1, this.clusterDims)
    const rerank = checkInt('rerank', settings.rerank ?? this.rerank, 0)
    if (rerank > 0 && !this.vectors) {
      throw new AnnError('INVALID_ARGUMENT', 'rerank needs an index built with keepVectors: true')
    }
    const scanDims = checkInt('scanDims', settings.scanDims ?? (rerank > 0 ? dim : pqDims), 1, dim)
    if (rerank === 0 && settings.scanDims !== undefined && scanDims !== pqDims) {
      throw new AnnError(
        'INVALID_ARGUMENT',
        `without rerank the scan uses the ${pqDims} quantised dims; scanDims must be ${pqDims}`,
      )
    }
    const ip = metric !== 'l2'

    // The query, unit length for cosine (the probe ranking needs no further scaling).
    const q = this.#q
    q.set(queries.subarray(qo, qo + dim))
    if (metric === 'cosine') normalizeInPlace(q, 0, dim)
    let flops = 2 * dim

    // Probe: the nprobe best lists on the first clusterDims values. Prefixes of the
    // centroids are valid (coarser) centroids of the Matryoshka prefixes.
    const probe = new TopK(nprobe)
    const pc = this.probeCentroids
    const cd = this.clusterDims
    if (metric === 'cosine' && clusterDims < cd) {
      for (let l = 0; l < nlist; l++) {
        const norm = Math.sqrt(dot(pc, l * cd, pc, l * cd, clusterDims))
        const s = norm > 0 ? dot(pc, l * cd, q, 0, clusterDims) / norm : 0
        if (s >= probe.threshold) probe.push(l, s)
      }
      flops += nlist * 4 * clusterDims
    } else if (ip) {
      for (let l = 0; l < nlist; l++) {
        const s = dot(pc, l * cd, q, 0, clusterDims)
        if (s >= probe.threshold) probe.push(l, s)
      }
      flops += nlist * 2 * clusterDims
    } else {
      for (let l = 0; l < nlist; l++) {
        const s = -l2sq(pc, l * cd, q, 0, clusterDims)
        if (s >= probe.threshold) probe.push(l, s)
      }
      flops += nlist * 3 * clusterDims
    }
    const lists = new Int32Array(probe.size)
    probe.drain(lists, new Float64Array(lists.length))

    // The query in the PQ space: the pqDims prefix (re-normalised for cosine), rotated under OPQ.
    const qp = this.#qp
    qp.set(q.subarray(0, pqDims))
    if (metric === 'cosine' && pqDims < dim) {
      normalizeInPlace(qp, 0, pqDims)
      flops += 2 * pqDims
    }
    const qr = this.#qr
    if (this.rotation) flops += rotate(this.rotation, pqDims, qp, 0, qr, 0, this.#rotScratch)
    else qr.set(qp)

    // Scan: ADC over the probed lists into a heap of the best `depth` codes. For ip/cosine
    // one inner-product table serves every list (score = q·c + Σ T[code]); for l2 the
    // table of q - c is built per list.
    // No list holds more than `size` codes: a deeper heap would only allocate (k and rerank are unbounded).
    const depth = Math.min(this.size, Math.max(k, rerank))
    const heap = new TopK(depth)
    const wasm = this.#wasm
    const table = wasm ? wasm.table : this.#table
    let scores = this.#listScores
    const { m, ksub } = pq
    if (ip) flops += pq.innerProductTable(qr, 0, table)
    const ids = this.listIds
    let scanned = 0
    for (let li = 0; li < lists.length; li++) {
      const l = lists[li]!
      const start = this.listOffsets[l]!
      const count = this.listOffsets[l + 1]! - start
      if (count === 0) continue
      let bias = 0
      if (ip) {
        bias = dot(this.listCentroids, l * pqDims, qr, 0, pqDims)
        flops += 2 * pqDims
      } else {
        // qp is free once qr is built: reuse it for q - c.
        for (let j = 0; j < pqDims; j++) qp[j] = qr[j]! - this.listCentroids[l * pqDims + j]!
        flops += pqDims + pq.distanceTable(qp, 0, table)
      }
      if (wasm) scores = wasm.scan(start, count, bias)
      else adcScan(this.codes, start, count, m, ksub, table, bias, scores, 0)
      let threshold = heap.threshold
      const sign = ip ? 1 : -1
      for (let i = 0; i < count; i++) {
        const s = sign * scores[i]!
        if (s >= threshold) {
          heap.push(ids[start + i]!, s)
          threshold = heap.threshold
        }
      }
      scanned += count
    }
    flops += scanned * m

    const found = heap.size
    if (this.#cand.length < depth) {
      this.#cand = new Int32Array(depth)
      this.#candKeys = new Float64Array(depth)
      this.#exact = new Float64Array(depth)
    }
    const cand = this.#cand
    const keys = this.#candKeys
    heap.drain(cand, keys)

    let outIds: Int32Array
    let outScores: Float32Array
    let reranked = 0
    if (rerank > 0 && this.vectors) {
      reranked = Math.min(rerank, found)
      const exact = this.#exact
      flops += exactScores(this.vectors, dim, metric, q, scanDims, cand, reranked, exact)
      const top = new TopK(Math.min(k, reranked))
      for (let i = 0; i < reranked; i++) {
        const s = exact[i]!
        if (s >= top.threshold) top.push(cand[i]!, s)
      }
      outIds = new Int32Array(top.size)
      const best = new Float64Array(top.size)
      top.drain(outIds, best)
      outScores = new Float32Array(outIds.length)
      for (let i = 0; i < outIds.length; i++) outScores[i] = ip ? best[i]! : -best[i]!
    } else {
      const kk = Math.min(k, found)
      outIds = cand.slice(0, kk)
      outScores = new Float32Array(kk)
      for (let i = 0; i < kk; i++) outScores[i] = ip ? keys[i]! : -keys[i]!
    }
    const used: SearchSettings = { nprobe, clusterDims, scanDims }
    if (rerank > 0) used.rerank = rerank
    return {
      ids: outIds,
      scores: outScores,
      cost: { dims: Math.max(clusterDims, scanDims), candidates: scanned + reranked, flops },
      settings: used,
    }
  }

  serialize(): Uint8Array {
    const w = new ArtifactWriter(IVFPQ_KIND, {
      metric: this.metric,
      dim: this.dim,
      size: this.size,
      nlist: this.nlist,
      clusterDims: this.clusterDims,
      pqDims: this.pqDims,
      m: this.pq.m,
      ksub: this.pq.ksub,
      nprobe: this.nprobe,
      rerank: this.rerank,
      opq: this.rotation !== undefined,
      keepVectors: this.vectors !== undefined,
      frontier: this.frontier ?? null,
    })
    w.addSection('probe_centroids', this.probeCentroids)
    w.addSection('list_centroids', this.listCentroids)
    w.addSection('list_offsets', this.listOffsets)
    w.addSection('list_ids', this.listIds)
    w.addSection('codes', this.codes)
    w.addSection('pq_centroids', this.pq.centroids)
    if (this.rotation) w.addSection('rotation', this.rotation)
    if (this.vectors) w.addSection('vectors', this.vectors)
    return w.finish()
  }
}
