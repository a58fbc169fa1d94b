import { AnnError } from './errors.ts'
import { type Artifact, type ArtifactWriter, requireSection } from './format.ts'
import type { TopK } from './topk.ts'
import type { Metric } from './types.ts'
import { checkFinite } from './validate.ts'

/**
 * Float vectors laid out for Matryoshka prefix scans, plus the per-prefix norms that
 * scoring a prefix needs.
 *
 * Layout: the dims are cut into column blocks at 64, 128, 256, 512, ... (`blockStarts`),
 * and each block stores its slice of every row contiguously (`blocks[b]` is `n * width_b`).
 * A scan of the first `p` dims thus streams only the blocks below `p`, each sequentially,
 * instead of striding through full rows (which would touch a new cache line per row and
 * leave the prefetcher behind); a rigid full-width scan streams all blocks.
 *
 * Norms: for each prefix length in `prefixes`, a column of per-row values (`cosine`:
 * 1 / |x_p|, 0 for a zero row; `l2`: |x_p|²; `ip`: none). With them a prefix score costs
 * one dot product of `p` dims, and the cosine of every prefix is properly re-normalised.
 * A prefix without a column is still exact: its norm is accumulated in the same pass
 * (twice the FLOPs).
 */
export interface RowStore {
  metric: Metric
  /** Stored dims per row (a prefix of the input vectors when smaller than their dim). */
  dim: number
  n: number
  /** Block boundaries: `blockStarts[0] = 0`, ascending, last entry `dim`. */
  blockStarts: Int32Array
  /** One array per block, `n * (blockStarts[b + 1] - blockStarts[b])` floats, row-major inside the block. */
  blocks: Float32Array[]
  /** Ascending prefix lengths with a norm column; always contains `dim` unless metric is `ip`. */
  prefixes: Int32Array
  /** `prefixes.length * n`, column-major (one contiguous column per prefix). */
  norms: Float32Array
}

/** Squared prefix norms below this (|x_p| < 2^-80) get a cosine factor of 0, keeping 1 / |x_p| <= 2^80. */
const MIN_COSINE_SQUARED_NORM = 2 ** -160

/** Prefix lengths that get a norm column by default: 8, 16, 32, ... below `dim`, and `dim`. */
export function defaultPrefixes(dim: number): number[] {
  const out: number[] = []
  for (let p = 8; p < dim; p *= 2) out.push(p)
  out.push(dim)
  return out
}

/** Default block boundaries: 0, 64, 128, 256, ... below `dim`, and `dim`. */
export function defaultBlockStarts(dim: number): Int32Array {
  const out = [0]
  for (let b = 64; b < dim; b *= 2) out.push(b)
  out.push(dim)
  return Int32Array.from(out)
}

/** Sorted, de-duplicated prefix list in [1, dim] that contains `dim`. */
export function normalizePrefixes(prefixes: readonly number[] | undefined, dim: number): Int32Array {
  const list = prefixes ?? defaultPrefixes(dim)
  const set = new Set<number>([dim])
  for (const p of list) {
    if (!Number.isInteger(p) || p < 1 || p > dim) {
      throw new AnnError('INVALID_ARGUMENT', `prefixDims entries must be integers in [1, ${dim}], got ${p}`)
    }
    set.add(p)
  }
  return Int32Array.from([...set].sort((a, b) => a - b))
}

/**
 * Copies the first `storeDims` dims of `n` rows of `data` (row length `dataDim`) in the
 * order `order` (row i of the store is input row order[i]; identity when null). For
 * `cosine` each stored row is scaled to unit length, so that a full-width score is a dot
 * product.
 */
export function buildRowStore(
  data: Float32Array,
  n: number,
  dataDim: number,
  storeDims: number,
  metric: Metric,
  prefixes: Int32Array,
  order: Int32Array | null,
  blockStarts: Int32Array = defaultBlockStarts(storeDims),
): RowStore {
  const blocks = [] as Float32Array[]
  for (let b = 0; b + 1 < blockStarts.length; b++)
    blocks.push(new Float32Array(n * (blockStarts[b + 1]! - blockStarts[b]!)))
  const row = new Float32Array(storeDims)
  for (let i = 0; i < n; i++) {
    const src = (order ? order[i]! : i) * dataDim
    row.set(data.subarray(src, src + storeDims))
    if (metric === 'cosine') {
      let s = 0
      for (let j = 0; j < storeDims; j++) s += row[j]! * row[j]!
      if (s > 0) {
        const inv = 1 / Math.sqrt(s)
        for (let j = 0; j < storeDims; j++) row[j] = row[j]! * inv
      }
    }
    for (let b = 0; b < blocks.length; b++) {
      const start = blockStarts[b]!
      const width = blockStarts[b + 1]! - start
      blocks[b]!.set(row.subarray(start, start + width), i * width)
    }
  }
  const store: RowStore = {
    metric,
    dim: storeDims,
    n,
    blockStarts,
    blocks,
    prefixes: metric === 'ip' ? new Int32Array(0) : prefixes,
    norms: new Float32Array(0),
  }
  store.norms = computeNorms(store)
  return store
}

/** A store over row-major vectors kept as one block (used for small tables such as centroids). */
export function singleBlockStore(vectors: Float32Array, n: number, dim: number, metric: Metric): RowStore {
  const store: RowStore = {
    metric,
    dim,
    n,
    blockStarts: Int32Array.from([0, dim]),
    blocks: [vectors],
    prefixes: metric === 'ip' ? new Int32Array(0) : normalizePrefixes(undefined, dim),
    norms: new Float32Array(0),
  }
  store.norms = computeNorms(store)
  return store
}

/** Copies row `r` of a store into `out[0..dim)`. */
export function readRow(store: RowStore, r: number, out: Float32Array): Float32Array {
  const { blockStarts, blocks } = store
  for (let b = 0; b < blocks.length; b++) {
    const start = blockStarts[b]!
    const width = blockStarts[b + 1]! - start
    out.set(blocks[b]!.subarray(r * width, (r + 1) * width), start)
  }
  return out
}

/** The norm columns of a store. */
export function computeNorms(store: RowStore): Float32Array {
  const { n, dim, prefixes, metric } = store
  const norms = new Float32Array(prefixes.length * n)
  if (metric === 'ip') return norms
  const row = new Float32Array(dim)
  for (let i = 0; i < n; i++) {
    readRow(store, i, row)
    let s = 0
    let j = 0
    for (let c = 0; c < prefixes.length; c++) {
      const p = prefixes[c]!
      for (; j < p; j++) s += row[j]! * row[j]!
      // A prefix shorter than 2^-80 has no usable direction: it counts as zero (see MAX_STORED_NORM).
      norms[c * n + i] = metric === 'cosine' ? (s > MIN_COSINE_SQUARED_NORM ? 1 / Math.sqrt(s) : 0) : s
    }
  }
  return norms
}

/** Bytes held by a store. */
export function storeBytes(store: RowStore): number {
  let bytes = store.norms.byteLength
  for (const b of store.blocks) bytes += b.byteLength
  return bytes
}

/** Parameters that describe a store's layout in an artifact header. */
export function storeParams(store: RowStore): { blockStarts: number[]; prefixDims: number[] } {
  return {
    blockStarts: Array.from(store.blockStarts),
    prefixDims: Array.from(store.prefixes.length ? store.prefixes : [store.dim]),
  }
}

/** Adds a store's blocks (`vectors_0`, `vectors_1`, ...) and `norms` to an artifact. */
export function writeStore(writer: ArtifactWriter, store: RowStore): void {
  store.blocks.forEach((block, b) => {
    writer.addSection(`vectors_${b}`, block)
  })
  writer.addSection('norms', store.norms)
}

/**
 * Largest stored norm value: an `l2` column holds |x_p|² <= 2^16 dims × (2^32)² = 2^80; a
 * `cosine` column holds 1 / |x_p|, bounded so that a score (a dot product of at most 2^40 times
 * this factor) stays below 2^120, finite, even for a damaged column.
 */
const MAX_STORED_NORM = 2 ** 80

/** Reads and checks a store written by `writeStore`; inconsistencies throw CORRUPT. */
export function readStore(artifact: Artifact, metric: Metric, n: number, storeDims: number): RowStore {
  const p = artifact.params
  let prefixes: Int32Array
  try {
    prefixes = normalizePrefixes(p.prefixDims as number[], storeDims)
  } catch (cause) {
    throw new AnnError('CORRUPT', 'stored prefixDims are invalid', { cause })
  }
  if (!Array.isArray(p.prefixDims) || p.prefixDims.length !== prefixes.length) {
    throw new AnnError('CORRUPT', 'stored prefixDims are malformed')
  }
  const starts = p.blockStarts
  if (
    !Array.isArray(starts) ||
    starts.length < 2 ||
    starts[0] !== 0 ||
    starts.at(-1) !== storeDims ||
    !starts.every((s, i) => Number.isInteger(s) && (i === 0 || s > starts[i - 1]))
  ) {
    throw new AnnError('CORRUPT', 'stored blockStarts are malformed')
  }
  const blockStarts = Int32Array.from(starts as number[])
  const blocks: Float32Array[] = []
  for (let b = 0; b + 1 < blockStarts.length; b++) {
    const width = blockStarts[b + 1]! - blockStarts[b]!
    const block = requireSection(artifact, `vectors_${b}`, 'f32', n * width)
    try {
      checkFinite(`vectors_${b}`, block, width)
    } catch (cause) {
      throw new AnnError('CORRUPT', `stored vectors are not finite`, { cause })
    }
    blocks.push(block)
  }
  const columns = metric === 'ip' ? 0 : prefixes.length
  const norms = requireSection(artifact, 'norms', 'f32', columns * n)
  for (let i = 0; i < norms.length; i++) {
    const v = norms[i]!
    if (!(v >= 0 && v <= MAX_STORED_NORM)) throw new AnnError('CORRUPT', `stored norm ${v} is invalid`)
  }
  return {
    metric,
    dim: storeDims,
    n,
    blockStarts,
    blocks,
    prefixes: metric === 'ip' ? new Int32Array(0) : prefixes,
    norms,
  }
}

/** Column of prefix `p` in `store.norms`, or -1 if it has none. */
export function prefixColumn(store: RowStore, p: number): number {
  const prefixes = store.prefixes
  for (let c = 0; c < prefixes.length; c++) if (prefixes[c] === p) return c
  return -1
}

/**
 * Writes the query prefix that scans compare against into `out[0..p)`: unit length for
 * `cosine`, as is otherwise.
 * @returns |q_p|² (used to turn `l2` keys back into distances)
 */
export function prepareQuery(
  q: Float32Array,
  qo: number,
  p: number,
  metric: Metric,
  out: Float32Array,
): number {
  let s = 0
  for (let j = 0; j < p; j++) {
    const v = q[qo + j]!
    out[j] = v
    s += v * v
  }
  if (metric === 'cosine' && s > 0) {
    const inv = 1 / Math.sqrt(s)
    for (let j = 0; j < p; j++) out[j] = out[j]! * inv
  }
  return s
}

/** Rows scored per pass over the blocks: partial sums stay in L1/L2 cache. */
const CHUNK = 512
const partialDot = new Float64Array(CHUNK)
const partialNorm = new Float64Array(CHUNK)

/**
 * Scores rows [start, end) of `store` on the first `p` dims against the prepared query
 * `q` and offers them to `heap` under the id `ids[row]` (or `row` when `ids` is null).
 * Keys are larger-is-better: the similarity for `ip`/`cosine`, `2 q·x - |x|²` for `l2`
 * (the squared distance is |q|² minus the key).
 * @returns the FLOPs spent (a multiply-add counts 2)
 */
export function scanRange(
  store: RowStore,
  start: number,
  end: number,
  ids: Int32Array | null,
  q: Float32Array,
  p: number,
  heap: TopK,
): number {
  const { metric, n } = store
  const col = metric === 'ip' ? -1 : prefixColumn(store, p)
  const withNorm = metric !== 'ip' && col < 0
  const norms = store.norms
  const base = col * n
  const cosine = metric === 'cosine'
  const firstWidth = store.blockStarts[1]!
  // Fast path: the prefix lies in the first block and has a norm column (or needs none).
  if (p <= firstWidth && !withNorm) {
    scanFirstBlock(store.blocks[0]!, firstWidth, start, end, ids, q, p, metric, norms, base, heap)
    return (end - start) * 2 * p
  }
  for (let c0 = start; c0 < end; c0 += CHUNK) {
    const c1 = Math.min(end, c0 + CHUNK)
    const rows = c1 - c0
    partialDot.fill(0, 0, rows)
    if (withNorm) partialNorm.fill(0, 0, rows)
    for (let b = 0; b + 1 < store.blockStarts.length; b++) {
      const bs = store.blockStarts[b]!
      if (bs >= p) break
      const width = store.blockStarts[b + 1]! - bs
      const w = Math.min(width, p - bs)
      accumulate(store.blocks[b]!, width, c0, rows, q, bs, w, withNorm)
    }
    let threshold = heap.threshold
    for (let i = 0; i < rows; i++) {
      const r = c0 + i
      const d = partialDot[i]!
      let key: number
      if (withNorm) {
        const xx = partialNorm[i]!
        key = cosine ? (xx > 0 ? d / Math.sqrt(xx) : 0) : 2 * d - xx
      } else key = metric === 'ip' ? d : cosine ? d * norms[base + r]! : 2 * d - norms[base + r]!
      if (key >= threshold) {
        heap.push(ids ? ids[r]! : r, key)
        threshold = heap.threshold
      }
    }
  }
  return (end - start) * (withNorm ? 4 : 2) * p
}

/** Partial dot products (and squared norms) of `rows` rows of one block against `q[qo..qo+w)`. */
function accumulate(
  block: Float32Array,
  width: number,
  first: number,
  rows: number,
  q: Float32Array,
  qo: number,
  w: number,
  withNorm: boolean,
): void {
  const w4 = w & ~3
  for (let i = 0; i < rows; i++) {
    const o = (first + i) * width
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    let j = 0
    for (; j < w4; j += 4) {
      s0 += block[o + j]! * q[qo + j]!
      s1 += block[o + j + 1]! * q[qo + j + 1]!
      s2 += block[o + j + 2]! * q[qo + j + 2]!
      s3 += block[o + j + 3]! * q[qo + j + 3]!
    }
    for (; j < w; j++) s0 += block[o + j]! * q[qo + j]!
    partialDot[i]! += s0 + s1 + (s2 + s3)
    if (withNorm) {
      let n0 = 0
      let n1 = 0
      for (j = 0; j + 1 < w; j += 2) {
        n0 += block[o + j]! * block[o + j]!
        n1 += block[o + j + 1]! * block[o + j + 1]!
      }
      if (j < w) n0 += block[o + j]! * block[o + j]!
      partialNorm[i]! += n0 + n1
    }
  }
}

/**
 * The common AdANNS case: one contiguous block, one specialised loop per metric. Rows go
 * two at a time so that each query value loaded feeds two multiply-adds; a row's sum is
 * formed in the same order whether it is paired or not, so scores do not depend on where
 * a scan range starts.
 */
function scanFirstBlock(
  vectors: Float32Array,
  dim: number,
  start: number,
  end: number,
  ids: Int32Array | null,
  q: Float32Array,
  p: number,
  metric: Metric,
  norms: Float32Array,
  base: number,
  heap: TopK,
): void {
  const p4 = p & ~3
  let threshold = heap.threshold
  if (metric === 'ip') {
    let r = start
    for (; r + 1 < end; r += 2) {
      const o = r * dim
      const o2 = o + dim
      let a0 = 0
      let a1 = 0
      let a2 = 0
      let a3 = 0
      let b0 = 0
      let b1 = 0
      let b2 = 0
      let b3 = 0
      let j = 0
      for (; j < p4; j += 4) {
        const q0 = q[j]!
        const q1 = q[j + 1]!
        const q2 = q[j + 2]!
        const q3 = q[j + 3]!
        a0 += vectors[o + j]! * q0
        a1 += vectors[o + j + 1]! * q1
        a2 += vectors[o + j + 2]! * q2
        a3 += vectors[o + j + 3]! * q3
        b0 += vectors[o2 + j]! * q0
        b1 += vectors[o2 + j + 1]! * q1
        b2 += vectors[o2 + j + 2]! * q2
        b3 += vectors[o2 + j + 3]! * q3
      }
      for (; j < p; j++) {
        a0 += vectors[o + j]! * q[j]!
        b0 += vectors[o2 + j]! * q[j]!
      }
      const ka = a0 + a1 + (a2 + a3)
      if (ka >= threshold) {
        heap.push(ids ? ids[r]! : r, ka)
        threshold = heap.threshold
      }
      const kb = b0 + b1 + (b2 + b3)
      if (kb >= threshold) {
        heap.push(ids ? ids[r + 1]! : r + 1, kb)
        threshold = heap.threshold
      }
    }
    if (r < end) {
      const o = r * dim
      let a0 = 0
      let a1 = 0
      let a2 = 0
      let a3 = 0
      let j = 0
      for (; j < p4; j += 4) {
        a0 += vectors[o + j]! * q[j]!
        a1 += vectors[o + j + 1]! * q[j + 1]!
        a2 += vectors[o + j + 2]! * q[j + 2]!
        a3 += vectors[o + j + 3]! * q[j + 3]!
      }
      for (; j < p; j++) a0 += vectors[o + j]! * q[j]!
      const ka = a0 + a1 + (a2 + a3)
      if (ka >= threshold) heap.push(ids ? ids[r]! : r, ka)
    }
  } else if (metric === 'cosine') {
    let r = start
    for (; r + 1 < end; r += 2) {
      const o = r * dim
      const o2 = o + dim
      let a0 = 0
      let a1 = 0
      let a2 = 0
      let a3 = 0
      let b0 = 0
      let b1 = 0
      let b2 = 0
      let b3 = 0
      let j = 0
      for (; j < p4; j += 4) {
        const q0 = q[j]!
        const q1 = q[j + 1]!
        const q2 = q[j + 2]!
        const q3 = q[j + 3]!
        a0 += vectors[o + j]! * q0
        a1 += vectors[o + j + 1]! * q1
        a2 += vectors[o + j + 2]! * q2
        a3 += vectors[o + j + 3]! * q3
        b0 += vectors[o2 + j]! * q0
        b1 += vectors[o2 + j + 1]! * q1
        b2 += vectors[o2 + j + 2]! * q2
        b3 += vectors[o2 + j + 3]! * q3
      }
      for (; j < p; j++) {
        a0 += vectors[o + j]! * q[j]!
        b0 += vectors[o2 + j]! * q[j]!
      }
      const ka = (a0 + a1 + (a2 + a3)) * norms[base + r]!
      if (ka >= threshold) {
        heap.push(ids ? ids[r]! : r, ka)
        threshold = heap.threshold
      }
      const kb = (b0 + b1 + (b2 + b3)) * norms[base + r + 1]!
      if (kb >= threshold) {
        heap.push(ids ? ids[r + 1]! : r + 1, kb)
        threshold = heap.threshold
      }
    }
    if (r < end) {
      const o = r * dim
      let a0 = 0
      let a1 = 0
      let a2 = 0
      let a3 = 0
      let j = 0
      for (; j < p4; j += 4) {
        a0 += vectors[o + j]! * q[j]!
        a1 += vectors[o + j + 1]! * q[j + 1]!
        a2 += vectors[o + j + 2]! * q[j + 2]!
        a3 += vectors[o + j + 3]! * q[j + 3]!
      }
      for (; j < p; j++) a0 += vectors[o + j]! * q[j]!
      const ka = (a0 + a1 + (a2 + a3)) * norms[base + r]!
      if (ka >= threshold) heap.push(ids ? ids[r]! : r, ka)
    }
  } else {
    let r = start
    for (; r + 1 < end; r += 2) {
      const o = r * dim
      const o2 = o + dim
      let a0 = 0
      let a1 = 0
      let a2 = 0
      let a3 = 0
      let b0 = 0
      let b1 = 0
      let b2 = 0
      let b3 = 0
      let j = 0
      for (; j < p4; j += 4) {
        const q0 = q[j]!
        const q1 = q[j + 1]!
        const q2 = q[j + 2]!
        const q3 = q[j + 3]!
        a0 += vectors[o + j]! * q0
        a1 += vectors[o + j + 1]! * q1
        a2 += vectors[o + j + 2]! * q2
        a3 += vectors[o + j + 3]! * q3
        b0 += vectors[o2 + j]! * q0
        b1 += vectors[o2 + j + 1]! * q1
        b2 += vectors[o2 + j + 2]! * q2
        b3 += vectors[o2 + j + 3]! * q3
      }
      for (; j < p; j++) {
        a0 += vectors[o + j]! * q[j]!
        b0 += vectors[o2 + j]! * q[j]!
      }
      const ka = 2 * (a0 + a1 + (a2 + a3)) - norms[base + r]!
      if (ka >= threshold) {
        heap.push(ids ? ids[r]! : r, ka)
        threshold = heap.threshold
      }
      const kb = 2 * (b0 + b1 + (b2 + b3)) - norms[base + r + 1]!
      if (kb >= threshold) {
        heap.push(ids ? ids[r + 1]! : r + 1, kb)
        threshold = heap.threshold
      }
    }
    if (r < end) {
      const o = r * dim
      let a0 = 0
      let a1 = 0
      let a2 = 0
      let a3 = 0
      let j = 0
      for (; j < p4; j += 4) {
        a0 += vectors[o + j]! * q[j]!
        a1 += vectors[o + j + 1]! * q[j + 1]!
        a2 += vectors[o + j + 2]! * q[j + 2]!
        a3 += vectors[o + j + 3]! * q[j + 3]!
      }
      for (; j < p; j++) a0 += vectors[o + j]! * q[j]!
      const ka = 2 * (a0 + a1 + (a2 + a3)) - norms[base + r]!
      if (ka >= threshold) heap.push(ids ? ids[r]! : r, ka)
    }
  }
}

/** Turns a scan key back into the reported score (squared distance for `l2`). */
export function keyToScore(metric: Metric, key: number, qq: number): number {
  return metric === 'l2' ? Math.max(0, qq - key) : key
}

/**
 * Re-scores `count` candidate rows of `store` (row numbers in `rows`) on the first `p`
 * dims, offering them to `heap` under `ids[row]` (or the row). The re-rank step.
 * @returns the FLOPs spent
 */
export function scoreRows(
  store: RowStore,
  rows: Int32Array,
  count: number,
  ids: Int32Array | null,
  q: Float32Array,
  p: number,
  heap: TopK,
): number {
  let flops = 0
  for (let i = 0; i < count; i++) {
    const r = rows[i]!
    flops += scanRange(store, r, r + 1, ids, q, p, heap)
  }
  return flops
}
