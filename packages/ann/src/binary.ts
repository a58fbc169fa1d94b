import { normalizeInPlace } from './distance.ts'
import { AnnError } from './errors.ts'
import { parseParam } from './flat.ts'
import { type Artifact, ArtifactWriter, requireSection } from './format.ts'
import { parseFrontier, resolveFromFrontier } from './frontier.ts'
import { hamming, hammingScan } from './kernels/hamming.ts'
import { exactScores } from './kernels/rerank.ts'
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
import { checkInt, checkK, checkMetric, checkQueries, checkQuery, checkVectors } from './validate.ts'

/** How the per-dimension thresholds of the 1-bit codes are calibrated. */
export type BinaryThreshold = 'median' | 'mean'

/** Options of {@link buildBinary}. */
export interface BinaryOptions {
  metric: Metric
  /** Default number of Hamming candidates re-ranked exactly (default 100; at least `k` is used). */
  rerank?: number
  /**
   * Merge codes within this Hamming distance of an earlier code into one entry that is
   * scanned once (0 merges identical codes only). Omit to keep one entry per vector.
   */
  mergeRadius?: number
  /** Per-dimension centring: the median (default; every bit is set for half the data) or the mean. */
  threshold?: BinaryThreshold
  /** Rows sampled to calibrate the thresholds (default 65,536). */
  calibrationPoints?: number
  /** Seed of the calibration sample (default 1234). */
  seed?: number
  /** Called with (stage, done, total) while building. */
  onProgress?: (stage: string, done: number, total: number) => void
}

const KIND = 'binary'

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
  readonly kind = KIND
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
      this.vectors.byteLength
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
    const dist = this.#dist
    hammingScan(this.codes, 0, entries, words, this.#qcode, 0, dist)
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
    const writer = new ArtifactWriter(KIND, {
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
function encodeRow(
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

/**
 * Per-dimension thresholds from a sample of rows: the median (each bit then splits the
 * sample in half, the most informative 1-bit cut) or the mean.
 */
export function calibrateThresholds(
  data: Float32Array,
  n: number,
  dim: number,
  kind: BinaryThreshold,
  maxPoints: number,
  seed: number,
): Float32Array {
  const t = Math.min(n, maxPoints)
  const rows = t < n ? new Rng(seed).sample(n, t) : null
  const out = new Float32Array(dim)
  const column = new Float32Array(t)
  for (let j = 0; j < dim; j++) {
    let sum = 0
    for (let i = 0; i < t; i++) {
      const v = data[(rows ? rows[i]! : i) * dim + j]!
      column[i] = v
      sum += v
    }
    if (kind === 'mean') {
      out[j] = sum / t
    } else {
      column.sort()
      const mid = t >> 1
      out[j] = t % 2 === 1 ? column[mid]! : (column[mid - 1]! + column[mid]!) / 2
    }
  }
  return out
}

/**
 * Builds a {@link BinaryIndex} over `n` rows of `dim` floats (row-major).
 * @example
 * const index = buildBinary(vectors, n, 768, { metric: 'cosine', rerank: 200 })
 * const { ids } = index.search(query, 10)
 */
export function buildBinary(data: Float32Array, n: number, dim: number, options: BinaryOptions): BinaryIndex {
  const {
    metric,
    rerank = 100,
    threshold = 'median',
    calibrationPoints = 65_536,
    seed = 1234,
    onProgress,
  } = options
  checkMetric(metric)
  checkInt('n', n, 1)
  checkVectors('data', data, n, dim)
  checkInt('rerank', rerank, 0)
  checkInt('calibrationPoints', calibrationPoints, 1)
  if (threshold !== 'median' && threshold !== 'mean') {
    throw new AnnError('INVALID_ARGUMENT', `threshold must be 'median' or 'mean', got '${String(threshold)}'`)
  }
  const words = Math.ceil(dim / 32)
  const mergeRadius = options.mergeRadius ?? -1
  if (options.mergeRadius !== undefined) checkInt('mergeRadius', mergeRadius, 0, 4 * words - 1)

  const vectors = new Float32Array(data)
  if (metric === 'cosine') for (let i = 0; i < n; i++) normalizeInPlace(vectors, i * dim, dim)
  onProgress?.('calibrate', 0, 1)
  const thresholds = calibrateThresholds(vectors, n, dim, threshold, calibrationPoints, seed)
  onProgress?.('calibrate', 1, 1)

  const rowCodes = new Uint32Array(n * words)
  for (let i = 0; i < n; i++) encodeRow(vectors, i * dim, dim, thresholds, rowCodes, i * words)
  onProgress?.('encode', n, n)

  let codes: Uint32Array = rowCodes
  let memberOffsets: Int32Array
  let members: Int32Array
  if (mergeRadius < 0) {
    memberOffsets = new Int32Array(n + 1)
    members = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      memberOffsets[i + 1] = i + 1
      members[i] = i
    }
  } else {
    ;({ codes, memberOffsets, members } = mergeCodes(rowCodes, n, words, mergeRadius, onProgress))
  }
  return new BinaryIndex({
    metric,
    dim,
    size: n,
    rerank,
    mergeRadius,
    thresholds,
    codes,
    memberOffsets,
    members,
    vectors,
  })
}

/**
 * Offline merging of near-duplicate codes. In row order, each row not yet merged opens an
 * entry (its code is the entry's code) and takes every later unmerged row within
 * `radius`. Candidates come from a multi-index hash (Norouzi et al. 2012): the code bytes
 * are cut into `radius + 1` chunks, and two codes within `radius` agree on at least one
 * chunk (pigeonhole), so only rows sharing a chunk with the opener are compared.
 */
function mergeCodes(
  codes: Uint32Array,
  n: number,
  words: number,
  radius: number,
  onProgress?: (stage: string, done: number, total: number) => void,
): { codes: Uint32Array; memberOffsets: Int32Array; members: Int32Array } {
  const bytes = new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength)
  const codeBytes = words * 4
  const chunks = radius + 1
  const tables: Map<number, number[]>[] = []
  const keys = new Int32Array(n * chunks)
  for (let c = 0; c < chunks; c++) {
    const from = Math.floor((c * codeBytes) / chunks)
    const to = Math.floor(((c + 1) * codeBytes) / chunks)
    const table = new Map<number, number[]>()
    for (let i = 0; i < n; i++) {
      // FNV-1a over the chunk's bytes; collisions only cost a comparison.
      let h = 0x811c9dc5
      for (let b = i * codeBytes + from; b < i * codeBytes + to; b++) h = Math.imul(h ^ bytes[b]!, 0x01000193)
      keys[i * chunks + c] = h
      const list = table.get(h)
      if (list) list.push(i)
      else table.set(h, [i])
    }
    tables.push(table)
  }
  const entryOf = new Int32Array(n).fill(-1)
  const openers: number[] = []
  for (let i = 0; i < n; i++) {
    if (entryOf[i]! >= 0) continue
    const e = openers.length
    openers.push(i)
    entryOf[i] = e
    for (let c = 0; c < chunks; c++) {
      const list = tables[c]!.get(keys[i * chunks + c]!)!
      for (const j of list) {
        if (j > i && entryOf[j]! < 0 && hamming(codes, i * words, codes, j * words, words) <= radius)
          entryOf[j] = e
      }
    }
    if ((i & 0x3fff) === 0) onProgress?.('merge', i, n)
  }
  onProgress?.('merge', n, n)
  const entries = openers.length
  const merged = new Uint32Array(entries * words)
  for (let e = 0; e < entries; e++)
    merged.set(codes.subarray(openers[e]! * words, (openers[e]! + 1) * words), e * words)
  const memberOffsets = new Int32Array(entries + 1)
  for (let i = 0; i < n; i++) memberOffsets[entryOf[i]! + 1]!++
  for (let e = 0; e < entries; e++) memberOffsets[e + 1]! += memberOffsets[e]!
  const fill = memberOffsets.slice(0, entries)
  const members = new Int32Array(n)
  for (let i = 0; i < n; i++) members[fill[entryOf[i]!]!++] = i
  return { codes: merged, memberOffsets, members }
}

/** Reads a binary index back from its artifact, validating every array. */
export function loadBinary(artifact: Artifact): BinaryIndex {
  const p = artifact.params
  if (artifact.kind !== KIND)
    throw new AnnError('CORRUPT', `expected a '${KIND}' artifact, got '${artifact.kind}'`)
  const metric = parseParam(() => checkMetric(p['metric']))
  const d = parseParam(() => checkInt('dim', p['dim'], 1))
  const n = parseParam(() => checkInt('size', p['size'], 1))
  const e = parseParam(() => checkInt('entries', p['entries'], 1, n))
  const rerank = parseParam(() => checkInt('rerank', p['rerank'], 0))
  const mergeRadius = parseParam(() =>
    p['mergeRadius'] === -1 ? -1 : checkInt('mergeRadius', p['mergeRadius'], 0),
  )
  const words = Math.ceil(d / 32)
  const thresholds = requireSection(artifact, 'thresholds', 'f32', d)
  const codes = requireSection(artifact, 'codes', 'u32', e * words)
  const memberOffsets = requireSection(artifact, 'member_offsets', 'i32', e + 1)
  const members = requireSection(artifact, 'members', 'i32', n)
  const vectors = requireSection(artifact, 'vectors', 'f32', n * d)
  if (memberOffsets[0] !== 0 || memberOffsets[e] !== n)
    throw new AnnError('CORRUPT', 'member offsets do not span the rows')
  for (let i = 0; i < e; i++) {
    if (memberOffsets[i + 1]! <= memberOffsets[i]!)
      throw new AnnError('CORRUPT', 'member offsets are not increasing')
  }
  const seen = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const m = members[i]!
    if (m < 0 || m >= n || seen[m]) throw new AnnError('CORRUPT', 'members are not a permutation of the rows')
    seen[m] = 1
  }
  for (let j = 0; j < d; j++)
    if (!Number.isFinite(thresholds[j]!)) throw new AnnError('CORRUPT', 'threshold is not finite')
  return new BinaryIndex({
    metric,
    dim: d,
    size: n,
    rerank,
    mergeRadius,
    thresholds,
    codes,
    memberOffsets,
    members,
    vectors,
    frontier: parseFrontier(p['frontier']),
  })
}
