/**
 * Bounded top-k selection: a binary min-heap of at most `k` (key, id) pairs that keeps the
 * `k` largest keys seen, in O(n log k) time and O(k) memory, without sorting all candidates.
 *
 * Keys are "larger is better"; callers ranking by a distance push its negation. Ties on the
 * key are broken by the smaller id, so the result is independent of the order in which
 * candidates arrive (an IVF scan and a flat scan over the same scores select the same set).
 *
 * A scan loop should test `key > heap.threshold` (cheap, no call) before `push`; the
 * threshold is `-Infinity` until the heap is full.
 */
export class TopK {
  readonly k: number
  /** The key a new candidate must beat to enter (the worst kept key once full). */
  threshold = Number.NEGATIVE_INFINITY
  #size = 0
  readonly #keys: Float64Array
  readonly #ids: Int32Array

  constructor(k: number) {
    this.k = k
    this.#keys = new Float64Array(k)
    this.#ids = new Int32Array(k)
  }

  /** Number of kept candidates (at most `k`). */
  get size(): number {
    return this.#size
  }

  /** Empties the heap so that it can be reused for the next query. */
  reset(): void {
    this.#size = 0
    this.threshold = this.k === 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY
  }

  /** Offers a candidate; it is kept if it ranks among the best `k` so far. */
  push(id: number, key: number): void {
    const keys = this.#keys
    const ids = this.#ids
    const k = this.k
    if (this.#size < k) {
      // Sift up.
      let i = this.#size++
      while (i > 0) {
        const p = (i - 1) >> 1
        const pk = keys[p]!
        if (pk < key || (pk === key && ids[p]! < id)) break
        keys[i] = pk
        ids[i] = ids[p]!
        i = p
      }
      keys[i] = key
      ids[i] = id
      if (this.#size === k) this.threshold = keys[0]!
      return
    }
    if (k === 0) return
    const rk = keys[0]!
    // Worse than (or tied with a smaller id than) the current worst: not kept.
    if (key < rk || (key === rk && id > ids[0]!)) return
    // Replace the root and sift down.
    let i = 0
    const n = k
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      let c = l
      const r = l + 1
      if (r < n) {
        const lk = keys[l]!
        const rk2 = keys[r]!
        if (rk2 < lk || (rk2 === lk && ids[r]! > ids[l]!)) c = r
      }
      const ck = keys[c]!
      if (key < ck || (key === ck && id > ids[c]!)) break
      keys[i] = ck
      ids[i] = ids[c]!
      i = c
    }
    keys[i] = key
    ids[i] = id
    this.threshold = keys[0]!
  }

  /**
   * Writes the kept candidates best first (key descending, then id ascending) and empties
   * the heap.
   * @returns the number of candidates written
   */
  drain(outIds: Int32Array, outKeys: Float64Array | Float32Array): number {
    const n = this.#size
    const keys = this.#keys
    const ids = this.#ids
    const order = new Int32Array(n)
    for (let i = 0; i < n; i++) order[i] = i
    order.sort((a, b) => {
      const d = keys[b]! - keys[a]!
      return d !== 0 ? d : ids[a]! - ids[b]!
    })
    for (let i = 0; i < n; i++) {
      const j = order[i]!
      outIds[i] = ids[j]!
      outKeys[i] = keys[j]!
    }
    this.reset()
    return n
  }
}

/**
 * The indices of the `k` largest values of `values[0..n)`, best first (ties by smaller
 * index), without sorting all of them.
 */
export function topKIndices(values: Float64Array | Float32Array, n: number, k: number): Int32Array {
  const heap = new TopK(Math.min(k, n))
  for (let i = 0; i < n; i++) {
    const v = values[i]!
    if (v >= heap.threshold) heap.push(i, v)
  }
  const ids = new Int32Array(heap.size)
  heap.drain(ids, new Float64Array(heap.size))
  return ids
}
