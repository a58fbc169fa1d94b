import { AnnError } from './errors.ts'
import type { TopK } from './topk.ts'
import type { Metric } from './types.ts'

/**
 * Row-major float vectors plus what scoring a Matryoshka prefix needs: for each prefix
 * length in `prefixes`, a column of per-row norms (`cosine`: 1 / |x_p|, 0 for a zero row;
 * `l2`: |x_p|²; `ip`: none). With them a prefix score costs one dot product of `p` dims,
 * and the cosine of every prefix is properly re-normalised. A prefix without a column is
 * still exact: its norm is accumulated in the same pass (twice the FLOPs).
 */
export interface RowStore {
  metric: Metric
  /** Stored dims per row (a prefix of the input vectors when smaller than their dim). */
  dim: number
  n: number
  vectors: Float32Array
  /** Ascending prefix lengths with a norm column; always contains `dim` unless metric is `ip`. */
  prefixes: Int32Array
  /** `prefixes.length * n`, column-major (one contiguous column per prefix). */
  norms: Float32Array
}

/** Prefix lengths that get a norm column by default: 8, 16, 32, ... below `dim`, and `dim`. */
export function defaultPrefixes(dim: number): number[] {
  const out: number[] = []
  for (let p = 8; p < dim; p *= 2) out.push(p)
  out.push(dim)
  return out
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
): RowStore {
  const vectors = new Float32Array(n * storeDims)
  for (let i = 0; i < n; i++) {
    const src = (order ? order[i]! : i) * dataDim
    const dst = i * storeDims
    vectors.set(data.subarray(src, src + storeDims), dst)
    if (metric === 'cosine') {
      let s = 0
      for (let j = 0; j < storeDims; j++) s += vectors[dst + j]! * vectors[dst + j]!
      if (s > 0) {
        const inv = 1 / Math.sqrt(s)
        for (let j = 0; j < storeDims; j++) vectors[dst + j] = vectors[dst + j]! * inv
      }
    }
  }
  const store: RowStore = {
    metric,
    dim: storeDims,
    n,
    vectors,
    prefixes: metric === 'ip' ? new Int32Array(0) : prefixes,
    norms: new Float32Array(0),
  }
  store.norms = computeNorms(store)
  return store
}

/** The norm columns of a store (recomputed on load to check a stored copy). */
export function computeNorms(store: RowStore): Float32Array {
  const { n, dim, vectors, prefixes, metric } = store
  const norms = new Float32Array(prefixes.length * n)
  if (metric === 'ip') return norms
  for (let i = 0; i < n; i++) {
    const o = i * dim
    let s = 0
    let j = 0
    for (let c = 0; c < prefixes.length; c++) {
      const p = prefixes[c]!
      for (; j < p; j++) s += vectors[o + j]! * vectors[o + j]!
      norms[c * n + i] = metric === 'cosine' ? (s > 0 ? 1 / Math.sqrt(s) : 0) : s
    }
  }
  return norms
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
  const { vectors, dim, metric, n } = store
  const col = metric === 'ip' ? -1 : prefixColumn(store, p)
  const norms = store.norms
  const base = col * n
  const p4 = p & ~3
  let threshold = heap.threshold
  if (metric === 'ip' || col >= 0) {
    // One loop per metric, with the dot product written out, keeps each row branch-free
    // and lets the JIT keep the four accumulators in registers.
    if (metric === 'ip') {
      for (let r = start; r < end; r++) {
        const o = r * dim
        let s0 = 0
        let s1 = 0
        let s2 = 0
        let s3 = 0
        let j = 0
        for (; j < p4; j += 4) {
          s0 += vectors[o + j]! * q[j]!
          s1 += vectors[o + j + 1]! * q[j + 1]!
          s2 += vectors[o + j + 2]! * q[j + 2]!
          s3 += vectors[o + j + 3]! * q[j + 3]!
        }
        for (; j < p; j++) s0 += vectors[o + j]! * q[j]!
        const key = s0 + s1 + (s2 + s3)
        if (key >= threshold) {
          heap.push(ids ? ids[r]! : r, key)
          threshold = heap.threshold
        }
      }
    } else if (metric === 'cosine') {
      for (let r = start; r < end; r++) {
        const o = r * dim
        let s0 = 0
        let s1 = 0
        let s2 = 0
        let s3 = 0
        let j = 0
        for (; j < p4; j += 4) {
          s0 += vectors[o + j]! * q[j]!
          s1 += vectors[o + j + 1]! * q[j + 1]!
          s2 += vectors[o + j + 2]! * q[j + 2]!
          s3 += vectors[o + j + 3]! * q[j + 3]!
        }
        for (; j < p; j++) s0 += vectors[o + j]! * q[j]!
        const key = (s0 + s1 + (s2 + s3)) * norms[base + r]!
        if (key >= threshold) {
          heap.push(ids ? ids[r]! : r, key)
          threshold = heap.threshold
        }
      }
    } else {
      for (let r = start; r < end; r++) {
        const o = r * dim
        let s0 = 0
        let s1 = 0
        let s2 = 0
        let s3 = 0
        let j = 0
        for (; j < p4; j += 4) {
          s0 += vectors[o + j]! * q[j]!
          s1 += vectors[o + j + 1]! * q[j + 1]!
          s2 += vectors[o + j + 2]! * q[j + 2]!
          s3 += vectors[o + j + 3]! * q[j + 3]!
        }
        for (; j < p; j++) s0 += vectors[o + j]! * q[j]!
        const key = 2 * (s0 + s1 + (s2 + s3)) - norms[base + r]!
        if (key >= threshold) {
          heap.push(ids ? ids[r]! : r, key)
          threshold = heap.threshold
        }
      }
    }
    return (end - start) * 2 * p
  }
  // No norm column for this prefix: accumulate x·x alongside q·x.
  const cosine = metric === 'cosine'
  for (let r = start; r < end; r++) {
    const o = r * dim
    let s0 = 0
    let s1 = 0
    let n0 = 0
    let n1 = 0
    let j = 0
    for (; j + 1 < p; j += 2) {
      const x0 = vectors[o + j]!
      const x1 = vectors[o + j + 1]!
      s0 += x0 * q[j]!
      s1 += x1 * q[j + 1]!
      n0 += x0 * x0
      n1 += x1 * x1
    }
    if (j < p) {
      const x = vectors[o + j]!
      s0 += x * q[j]!
      n0 += x * x
    }
    const d = s0 + s1
    const xx = n0 + n1
    const key = cosine ? (xx > 0 ? d / Math.sqrt(xx) : 0) : 2 * d - xx
    if (key >= threshold) {
      heap.push(ids ? ids[r]! : r, key)
      threshold = heap.threshold
    }
  }
  return (end - start) * 4 * p
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
