import { BINARY_KIND, BinaryIndex, encodeRow } from './binary-index.ts'
import { normalizeInPlace } from './distance.ts'
import { AnnError } from './errors.ts'
import { parseParam } from './flat.ts'
import { type Artifact, requireSection } from './format.ts'
import { parseFrontier } from './frontier.ts'
import { hamming } from './kernels/hamming.ts'
import { Rng } from './random.ts'
import type { Metric } from './types.ts'
import { checkFinite, checkInt, checkMetric, checkVectors, MAX_RERANK } from './validate.ts'

export { BinaryIndex } from './binary-index.ts'

/** Longest code: distances are stored as Uint16. */
const MAX_BITS = 65_535

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
      const mid = t >> 1
      const upper = selectKth(column, t, mid)
      if (t % 2 === 1) {
        out[j] = upper
      } else {
        // After selection everything before `mid` is <= the upper median: its max is the lower one.
        let lower = column[0]!
        for (let i = 1; i < mid; i++) if (column[i]! > lower) lower = column[i]!
        out[j] = (lower + upper) / 2
      }
    }
  }
  return out
}

/**
 * Quickselect (Hoare partition, median-of-three pivot): reorders `a[0..n)` so that `a[k]`
 * holds the k-th smallest value, smaller-or-equal values before it and larger-or-equal
 * after, in expected O(n) instead of a full sort.
 */
function selectKth(a: Float32Array, n: number, k: number): number {
  let lo = 0
  let hi = n - 1
  while (hi > lo) {
    const mid = (lo + hi) >> 1
    // Median of three as the pivot value.
    const x = a[lo]!
    const y = a[mid]!
    const z = a[hi]!
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z))
    let i = lo
    let j = hi
    while (i <= j) {
      while (a[i]! < pivot) i++
      while (a[j]! > pivot) j--
      if (i <= j) {
        const t = a[i]!
        a[i] = a[j]!
        a[j] = t
        i++
        j--
      }
    }
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else break
  }
  return a[k]!
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
  // Hamming distances are kept as 16-bit integers.
  checkInt('dim', dim, 1, MAX_BITS)
  checkInt('rerank', rerank, 0, MAX_RERANK)
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
  if (artifact.kind !== BINARY_KIND)
    throw new AnnError('CORRUPT', `expected a '${BINARY_KIND}' artifact, got '${artifact.kind}'`)
  const metric = parseParam(() => checkMetric(p['metric']))
  const d = parseParam(() => checkInt('dim', p['dim'], 1, MAX_BITS))
  const n = parseParam(() => checkInt('size', p['size'], 1))
  const e = parseParam(() => checkInt('entries', p['entries'], 1, n))
  const rerank = parseParam(() => checkInt('rerank', p['rerank'], 0, MAX_RERANK))
  const mergeRadius = parseParam(() =>
    p['mergeRadius'] === -1 ? -1 : checkInt('mergeRadius', p['mergeRadius'], 0, d),
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
  parseParam(() => checkFinite('thresholds', thresholds, d))
  // Bits past `dim` are padding: set, they would give Hamming distances past `dim`, outside the
  // scan's distance histogram (and candidates counted twice).
  const tail = d % 32
  if (tail !== 0) {
    const padding = ~((1 << tail) - 1) >>> 0
    for (let entry = 0; entry < e; entry++) {
      if ((codes[entry * words + words - 1]! & padding) !== 0)
        throw new AnnError('CORRUPT', `code ${entry} sets bits past dim ${d}`)
    }
  }
  parseParam(() => checkFinite('vectors', vectors, d))
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
    frontier: parseFrontier(p['frontier'], { dims: d }),
  })
}
