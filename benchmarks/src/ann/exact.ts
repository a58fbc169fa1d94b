/** Metrics understood by the benchmark (the same names as @frugal/ann). */
export type BenchMetric = 'cosine' | 'ip' | 'l2'

/** A bounded best-k list kept sorted by insertion; k is small (10-100), so this beats a heap. */
export class TopK {
  readonly ids: Int32Array
  readonly scores: Float64Array
  readonly k: number
  size = 0
  constructor(k: number) {
    this.k = k
    this.ids = new Int32Array(k)
    this.scores = new Float64Array(k).fill(Number.NEGATIVE_INFINITY)
  }
  /** Higher score is better. */
  push(id: number, score: number): void {
    const { k, ids, scores } = this
    if (this.size === k && score <= scores[k - 1]!) return
    let i = this.size < k ? this.size++ : k - 1
    while (i > 0 && scores[i - 1]! < score) {
      scores[i] = scores[i - 1]!
      ids[i] = ids[i - 1]!
      i--
    }
    scores[i] = score
    ids[i] = id
  }
  worst(): number {
    return this.size < this.k ? Number.NEGATIVE_INFINITY : this.scores[this.k - 1]!
  }
}

/** Row-normalised copy (cosine is inner product on unit rows). Zero rows stay zero. */
export function normalizeRows(data: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(data.length)
  for (let o = 0; o < data.length; o += dim) {
    let s = 0
    for (let i = 0; i < dim; i++) s += data[o + i]! * data[o + i]!
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0
    for (let i = 0; i < dim; i++) out[o + i] = data[o + i]! * inv
  }
  return out
}

const QUERY_BLOCK = 4

/**
 * Exact k nearest neighbours of every query by a full scan (the ground truth). Four queries
 * share each pass over a base row, so the base is streamed from memory once per block.
 * Returns `nq * k` row ids, best first.
 */
export function exactKnn(
  base: Float32Array,
  queries: Float32Array,
  dim: number,
  k: number,
  metric: BenchMetric,
  onProgress?: (done: number, total: number) => void,
): Int32Array {
  const n = base.length / dim
  const nq = queries.length / dim
  const b = metric === 'cosine' ? normalizeRows(base, dim) : base
  const q = metric === 'cosine' ? normalizeRows(queries, dim) : queries
  const norms = new Float64Array(n)
  if (metric === 'l2') {
    for (let r = 0; r < n; r++) {
      let s = 0
      for (let i = 0, o = r * dim; i < dim; i++) s += b[o + i]! * b[o + i]!
      norms[r] = s
    }
  }
  const out = new Int32Array(nq * k)
  const zero = new Float32Array(dim)
  for (let q0 = 0; q0 < nq; q0 += QUERY_BLOCK) {
    const rows = Math.min(QUERY_BLOCK, nq - q0)
    const qs = [0, 1, 2, 3].map((j) => (j < rows ? q.subarray((q0 + j) * dim, (q0 + j + 1) * dim) : zero))
    const [qa, qb, qc, qd] = qs as [Float32Array, Float32Array, Float32Array, Float32Array]
    const tops = qs.map(() => new TopK(k))
    for (let r = 0; r < n; r++) {
      const o = r * dim
      let sa = 0
      let sb = 0
      let sc = 0
      let sd = 0
      for (let i = 0; i < dim; i++) {
        const x = b[o + i]!
        sa += x * qa[i]!
        sb += x * qb[i]!
        sc += x * qc[i]!
        sd += x * qd[i]!
      }
      // For l2, ranking by -(||b||^2 - 2<q,b>) equals ranking by -||q-b||^2.
      const bias = metric === 'l2' ? norms[r]! : 0
      const f = metric === 'l2' ? 2 : 1
      tops[0]!.push(r, f * sa - bias)
      if (rows > 1) tops[1]!.push(r, f * sb - bias)
      if (rows > 2) tops[2]!.push(r, f * sc - bias)
      if (rows > 3) tops[3]!.push(r, f * sd - bias)
    }
    for (let j = 0; j < rows; j++) out.set(tops[j]!.ids, (q0 + j) * k)
    onProgress?.(q0 + rows, nq)
  }
  return out
}

/** recall@k: mean over queries of |found ∩ truth| / k, using the first k ids of each truth row. */
export function recallAtK(found: ArrayLike<number>[], truth: Int32Array, truthK: number, k: number): number {
  let hits = 0
  for (let qi = 0; qi < found.length; qi++) {
    const t = new Set<number>()
    for (let j = 0; j < k; j++) t.add(truth[qi * truthK + j]!)
    const f = found[qi]!
    const m = Math.min(k, f.length)
    for (let j = 0; j < m; j++) if (t.has(f[j]!)) hits++
  }
  return hits / (found.length * k)
}
