import { normalizeInPlace } from './distance.ts'
import { AnnError } from './errors.ts'
import { ArtifactWriter } from './format.ts'
import { resolveFromFrontier } from './frontier.ts'
import { hammingScan } from './kernels/hamming.ts'
import { exactScores } from './kernels/rerank.ts'
import { WasmHamming } from './kernels/wasm.ts'
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

/** The artifact kind of a binary index. */
export const BINARY_KIND = 'binary'

/**
 * A BTR-style binary index: every vector becomes a `dim`-bit code, bit `j` set when value
 * `j` exceeds a threshold calibrated on the data (the per-dimension median or mean, so a
 * bit splits the data instead of testing a sign that may be constant). Codes are packed 32
 * to a Uint32 word and scanned by XOR + popcount; the best `R` codes by Hamming distance
 * are re-ranked exactly with the kept float vectors (full length, or a `scanDims` prefix).
 * Optionally, near-duplicate codes are merged offline into one entry with a member list.
 *
 * Memory: {@link BinaryIndex.codeBytes} (`dim / 8` bytes per entry, 32x less than float32)
 * plus {@link BinaryIndex.rerankBytes} (the float32 vectors used for re-ranking).
 */
export class BinaryIndex implements VectorIndex {
  readonly kind = BINARY_KIND
  readonly metric: Metric
  readonly dim: number
  readonly size: number
  frontier: FrontierPoint[] | undefined
  /** Uint32 words per code. */
  readonly words: number
  /** Default re-rank depth. */
  readonly rerank: number
  /** Merge radius used at build time, or -1 when codes were not merged. */
  readonly mergeRadius: number
  /** Per-dimension thresholds (in the unit-normalised space for `cosine`). */
  readonly thresholds: Float32Array
  /** `entries * words` packed codes. */
  readonly codes: Uint32Array
  /** Number of code entries (equal to `size` unless codes were merged). */
  readonly entries: number
  /** `entries + 1` offsets into {@link members}; entry `e` holds rows `members[offsets[e]..offsets[e+1])`. */
  readonly memberOffsets: Int32Array
  readonly members: Int32Array
  /** `size * dim` float32 re-rank vectors (unit length for `cosine`). */
  readonly vectors: Float32Array

  // Per-query scratch, reused (searches are synchronous).
  #qcode: Uint32Array
  #qvec: Float32Array
  #dist: Uint16Array
  #hist: Int32Array
  #cand: Int32Array
  #scores: Float64Array
  #wasm: WasmHamming | undefined

  constructor(init: {
    metric: Metric
    dim: number
    size: number
    rerank: number
    mergeRadius: number
    thresholds: Float32Array
    codes: Uint32Array
    memberOffsets: Int32Array
    members: Int32Array
    vectors: Float32Array
    frontier?: FrontierPoint[] | undefined
  }) {
    this.metric = init.metric
    this.dim = init.dim
    this.size = init.size
    this.rerank = init.rerank
    this.mergeRadius = init.mergeRadius
    this.words = Math.ceil(init.dim / 32)
    this.thresholds = init.thresholds
    this.codes = init.codes
    this.entries = init.memberOffsets.length - 1
    this.memberOffsets = init.memberOffsets
    this.members = init.members
    this.vectors = init.vectors
    this.frontier = init.frontier
    this.#qcode = new Uint32Array(this.words)
    this.#qvec = new Float32Array(this.dim)
    this.#dist = new Uint16Array(this.entries)
    this.#hist = new Int32Array(this.dim + 2)
    this.#cand = new Int32Array(0)
    this.#scores = new Float64Array(0)
  }

  /**
   * Scans codes with the WASM popcount kernel from now on (the results are identical to
   * the TypeScript kernel's). The codes are copied into the module's memory.
   * @param module the compiled `kernels.wasm` (`loadWasmKernels()` in Node, an import in workerd)
   * @param options.simd the 128-bit SIMD loop instead of the scalar `i64.popcnt` loop (default false)
   */
  useWasm(module: WebAssembly.Module, options: { simd?: boolean } = {}): this {
    this.#wasm = new WasmHamming(module, this.codes, this.entries, this.words, options.simd ?? false)
    return this
  }

  /** Whether scans run on the WASM kernel. */
  get usesWasm(): boolean {
    return this.#wasm !== undefined
  }

  /** Bytes of the packed codes (the scanned part): `entries * words * 4`. */
  codeBytes(): number {
    return this.codes.byteLength
  }

  /** Bytes of the float32 re-rank store. */
  rerankBytes(): number {
    return this.vectors.byteLength
  }

  /** Everything held: codes, thresholds, member lists and the re-rank store. */
  byteSize(): number {
    return (
      this.codes.byteLength +
      this.thresholds.byteLength +
      this.memberOffsets.byteLength +
      this.members.byteLength +
      this.vectors.byteLength +
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

  /** The settings `tune` measures by default: re-rank depths from k to 2% of the base and beyond, full and half prefixes. */
  tuningGrid(k: number): SearchSettings[] {
    const grid: SearchSettings[] = []
    const depths = new Set<number>()
    for (const f of [1, 2, 5, 10, 20, 50, 100]) depths.add(Math.min(this.size, f * k))
    for (const share of [0.005, 0.01, 0.02, 0.05])
      depths.add(Math.max(k, Math.min(this.size, Math.round(share * this.size))))
    const prefixes = this.dim >= 64 ? [this.dim >> 1, this.dim] : [this.dim]
    for (const rerank of [...depths].sort((a, b) => a - b)) {
      for (const scanDims of prefixes) grid.push({ scanDims, rerank })
    }
    return grid
  }

  #search(queries: Float32Array, qo: number, k: number, params: SearchParams): SearchResult {
    const { dim, words, entries, metric } = this
    const settings = resolveFromFrontier(this.frontier, params) ?? params
    if (settings.nprobe !== undefined || settings.clusterDims !== undefined) {
      throw new AnnError('INVALID_ARGUMENT', 'nprobe and clusterDims do not apply to a binary index')
    }
    const scanDims = settings.scanDims ?? dim
    checkInt('scanDims', scanDims, 1, dim)
    const rerank = Math.min(this.size, Math.max(k, checkInt('rerank', settings.rerank ?? this.rerank, 0)))

    const q = this.#qvec
    q.set(queries.subarray(qo, qo + dim))
    if (metric === 'cosine') normalizeInPlace(q, 0, dim)
    encodeRow(q, 0, dim, this.thresholds, this.#qcode, 0)

    // Hamming scan plus a histogram of distances weighted by entry sizes.
    let dist = this.#dist
    if (this.#wasm) dist = this.#wasm.scan(this.#qcode, 0)
    else hammingScan(this.codes, 0, entries, words, this.#qcode, 0, dist)
    const hist = this.#hist
    hist.fill(0)
    const offsets = this.memberOffsets
    const merged = entries !== this.size
    if (merged) for (let e = 0; e < entries; e++) hist[dist[e]!]! += offsets[e + 1]! - offsets[e]!
    else for (let e = 0; e < entries; e++) hist[dist[e]!]!++

    // The smallest radius whose ball holds `rerank` rows; rows on the boundary are taken in entry order.
    let radius = 0
    let below = 0
    while (below + hist[radius]! < rerank) below += hist[radius++]!
    if (this.#cand.length < rerank) {
      this.#cand = new Int32Array(rerank)
      this.#scores = new Float64Array(rerank)
    }
    const cand = this.#cand
    const members = this.members
    let inner = 0
    let boundary = below
    for (let e = 0; e < entries; e++) {
      const h = dist[e]!
      if (h < radius) {
        for (let p = offsets[e]!; p < offsets[e + 1]!; p++) cand[inner++] = members[p]!
      } else if (h === radius && boundary < rerank) {
        for (let p = offsets[e]!; p < offsets[e + 1]! && boundary < rerank; p++)
          cand[boundary++] = members[p]!
      }
    }

    const scores = this.#scores
    // Query prep (2 dim), then XOR + popcount per word counted as 2 operations.
    let flops = 2 * dim + 2 * entries * words
    flops += exactScores(this.vectors, dim, metric, q, scanDims, cand, rerank, scores)
    const heap = new TopK(Math.min(k, rerank))
    for (let i = 0; i < rerank; i++) {
      const s = scores[i]!
      if (s >= heap.threshold) heap.push(cand[i]!, s)
    }
    const ids = new Int32Array(heap.size)
    const keys = new Float64Array(heap.size)
    heap.drain(ids, keys)
    const out = new Float32Array(ids.length)
    for (let i = 0; i < ids.length; i++) out[i] = metric === 'l2' ? -keys[i]! : keys[i]!
    return {
      ids,
      scores: out,
      cost: { dims: scanDims, candidates: entries + rerank, flops },
      settings: { scanDims, rerank },
    }
  }

  serialize(): Uint8Array {
    const writer = new ArtifactWriter(BINARY_KIND, {
      metric: this.metric,
      dim: this.dim,
      size: this.size,
      rerank: this.rerank,
      mergeRadius: this.mergeRadius,
      entries: this.entries,
      frontier: this.frontier ?? null,
    })
    writer.addSection('thresholds', this.thresholds)
    writer.addSection('codes', this.codes)
    writer.addSection('member_offsets', this.memberOffsets)
    writer.addSection('members', this.members)
    writer.addSection('vectors', this.vectors)
    return writer.finish()
  }
}

/** Sets bit `j` of the code when `x[xo + j] > thresholds[j]`. */
export function encodeRow(
  x: Float32Array,
  xo: number,
  dim: number,
  thresholds: Float32Array,
  out: Uint32Array,
  oo: number,
) {
  const words = Math.ceil(dim / 32)
  for (let w = 0; w < words; w++) {
    let bits = 0
    const base = w * 32
    const end = Math.min(32, dim - base)
    for (let b = 0; b < end; b++) if (x[xo + base + b]! > thresholds[base + b]!) bits |= 1 << b
    out[oo + w] = bits
  }
}
