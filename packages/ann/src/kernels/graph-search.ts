import { dotI8Rows } from './dots.ts'

/**
 * Best-first search of a proximity graph on int8 prefix codes, in TypeScript: the fallback of
 * the WASM `graphSearch` kernel (`asm/kernels.ts`), the same algorithm and the same float32
 * keys, so both return the same nodes in the same order.
 */

/** How a key is formed from a candidate's integer dot product (see `keyOf`). */
export const KEY_MODE = { ip: 0, cosine: 1, l2: 2 } as const

const f = Math.fround

/**
 * Key of a candidate: `ip` `dot·s`; `cosine` `dot·s·norms[id]` (inverse prefix norm);
 * `l2` `2·dot·s − norms[id]` (squared prefix norm). Larger is better; float32 arithmetic.
 */
export function keyOf(dot: number, scale: number, mode: number, norms: Float32Array, id: number): number {
  const s = f(f(dot) * f(scale))
  if (mode === 1) return f(s * norms[id]!)
  if (mode === 2) return f(f(2 * s) - norms[id]!)
  return s
}

/** The graph and codes a search reads. */
export interface GraphView {
  codes: Int8Array
  /** Bytes per code row. */
  stride: number
  adjacency: Int32Array
  degree: number
  seeds: Int32Array
  /** Key mode (0 ip, 1 cosine, 2 l2) and its per-node norm column. */
  mode: number
  norms: Float32Array
}

/** Reusable per-search scratch of the TypeScript search (no allocation per candidate). */
export class GraphScratch {
  readonly visited: Uint32Array
  epoch = 0
  candKeys: Float32Array
  candIds: Int32Array
  resKeys: Float32Array
  resIds: Int32Array
  readonly batch: Int32Array
  readonly dots: Int32Array
  /** Distances computed by the last search. */
  evaluated = 0

  constructor(n: number, degree: number, ef: number) {
    this.visited = new Uint32Array(n)
    this.candKeys = new Float32Array(64)
    this.candIds = new Int32Array(64)
    this.resKeys = new Float32Array(ef)
    this.resIds = new Int32Array(ef)
    this.batch = new Int32Array(degree)
    this.dots = new Int32Array(degree)
  }

  /** A fresh epoch (clears the visited marks when the counter wraps). */
  nextEpoch(): number {
    if (this.epoch >= 0xfffffffe) {
      this.visited.fill(0)
      this.epoch = 0
    }
    return ++this.epoch
  }

  ensure(ef: number): void {
    if (this.resKeys.length < ef) {
      this.resKeys = new Float32Array(ef)
      this.resIds = new Int32Array(ef)
    }
  }
}

/** `a` ranks before `b`: a larger key, or the same key and a smaller id. */
export function better(ka: number, ia: number, kb: number, ib: number): boolean {
  return ka > kb || (ka === kb && ia < ib)
}

/** Max-heap (best on top): insert into a heap of `size` entries. */
export function maxPush(keys: Float32Array, ids: Int32Array, size: number, key: number, id: number): void {
  let i = size
  while (i > 0) {
    const p = (i - 1) >> 1
    if (!better(key, id, keys[p]!, ids[p]!)) break
    keys[i] = keys[p]!
    ids[i] = ids[p]!
    i = p
  }
  keys[i] = key
  ids[i] = id
}

/** Max-heap: removes the top of a heap of `size` entries. */
export function maxPop(keys: Float32Array, ids: Int32Array, size: number): void {
  const n = size - 1
  const key = keys[n]!
  const id = ids[n]!
  let i = 0
  for (;;) {
    let c = 2 * i + 1
    if (c >= n) break
    if (c + 1 < n && better(keys[c + 1]!, ids[c + 1]!, keys[c]!, ids[c]!)) c++
    if (!better(keys[c]!, ids[c]!, key, id)) break
    keys[i] = keys[c]!
    ids[i] = ids[c]!
    i = c
  }
  keys[i] = key
  ids[i] = id
}

/** Min-heap (worst on top) of (key, id) pairs: insert into a heap of `size` entries. */
export function minPush(keys: Float32Array, ids: Int32Array, size: number, key: number, id: number): void {
  let i = size
  while (i > 0) {
    const p = (i - 1) >> 1
    if (!better(keys[p]!, ids[p]!, key, id)) break
    keys[i] = keys[p]!
    ids[i] = ids[p]!
    i = p
  }
  keys[i] = key
  ids[i] = id
}

/** Min-heap: removes the top of a heap of `size` entries. */
export function minPop(keys: Float32Array, ids: Int32Array, size: number): void {
  const n = size - 1
  const key = keys[n]!
  const id = ids[n]!
  let i = 0
  for (;;) {
    let c = 2 * i + 1
    if (c >= n) break
    if (c + 1 < n && better(keys[c]!, ids[c]!, keys[c + 1]!, ids[c + 1]!)) c++
    if (!better(key, id, keys[c]!, ids[c]!)) break
    keys[i] = keys[c]!
    ids[i] = ids[c]!
    i = c
  }
  keys[i] = key
  ids[i] = id
}

/**
 * The `ef` best nodes reachable from the seeds, best first, into `outIds`/`outKeys`.
 * `q` is the int16 query of `d16` dims and `scale` its step (see `prepareInt16Query`).
 * @returns the number of nodes written
 */
export function graphSearchTs(
  g: GraphView,
  q: Int16Array,
  d16: number,
  scale: number,
  ef: number,
  s: GraphScratch,
  outIds: Int32Array,
  outKeys: Float32Array,
): number {
  s.ensure(ef)
  const epoch = s.nextEpoch()
  const { visited, batch, dots, resKeys, resIds } = s
  const { codes, stride, adjacency, degree, seeds, mode, norms } = g
  let nc = 0
  let nr = 0
  let evaluated = 0
  const offer = (m: number): void => {
    dotI8Rows(codes, stride, batch, 0, m, q, d16, dots)
    evaluated += m
    for (let t = 0; t < m; t++) {
      const id = batch[t]!
      const key = keyOf(dots[t]!, scale, mode, norms, id)
      if (nr < ef) {
        minPush(resKeys, resIds, nr++, key, id)
      } else if (better(key, id, resKeys[0]!, resIds[0]!)) {
        minPop(resKeys, resIds, nr--)
        minPush(resKeys, resIds, nr++, key, id)
      } else continue
      if (nc === s.candKeys.length) {
        const keys = new Float32Array(nc * 2)
        keys.set(s.candKeys)
        const ids = new Int32Array(nc * 2)
        ids.set(s.candIds)
        s.candKeys = keys
        s.candIds = ids
      }
      maxPush(s.candKeys, s.candIds, nc++, key, id)
    }
  }
  for (let s0 = 0; s0 < seeds.length; s0 += degree) {
    let m = 0
    const s1 = Math.min(seeds.length, s0 + degree)
    for (let i = s0; i < s1; i++) {
      const id = seeds[i]!
      if (visited[id] === epoch) continue
      visited[id] = epoch
      batch[m++] = id
    }
    offer(m)
  }
  while (nc > 0) {
    const ck = s.candKeys[0]!
    const ci = s.candIds[0]!
    if (nr >= ef && better(resKeys[0]!, resIds[0]!, ck, ci)) break
    maxPop(s.candKeys, s.candIds, nc--)
    const row = ci * degree
    let m = 0
    for (let t = 0; t < degree; t++) {
      const id = adjacency[row + t]!
      if (id < 0) break
      if (visited[id] === epoch) continue
      visited[id] = epoch
      batch[m++] = id
    }
    offer(m)
  }
  s.evaluated = evaluated
  const found = nr
  for (let i = found - 1; i >= 0; i--) {
    outIds[i] = resIds[0]!
    outKeys[i] = resKeys[0]!
    minPop(resKeys, resIds, nr--)
  }
  return found
}

/**
 * The TypeScript twin of the WASM `scanI8Heap`: scores `count` consecutive int8 rows from row
 * `first` and keeps the best `cap` seen so far in the min-heap `keys`/`ids` (`size` entries on
 * entry). `dots` is scratch of at least 64 entries.
 * @returns the heap size after the scan
 */
export function scanI8HeapTs(
  codes: Int8Array,
  stride: number,
  first: number,
  count: number,
  q: Int16Array,
  d16: number,
  scale: number,
  mode: number,
  norms: Float32Array,
  keys: Float32Array,
  ids: Int32Array,
  size: number,
  cap: number,
  dots: Int32Array,
): number {
  let nr = size
  for (let b = 0; b < count; b += 64) {
    const m = Math.min(64, count - b)
    const row0 = first + b
    dotI8Rows(codes, stride, null, row0, m, q, d16, dots)
    for (let t = 0; t < m; t++) {
      const id = row0 + t
      const key = keyOf(dots[t]!, scale, mode, norms, id)
      if (nr < cap) minPush(keys, ids, nr++, key, id)
      else if (better(key, id, keys[0]!, ids[0]!)) {
        minPop(keys, ids, nr--)
        minPush(keys, ids, nr++, key, id)
      }
    }
  }
  return nr
}

/** Empties a min-heap of `size` entries into `outIds`/`outKeys`, best first. */
export function heapDrainTs(
  keys: Float32Array,
  ids: Int32Array,
  size: number,
  outIds: Int32Array,
  outKeys: Float32Array,
): void {
  let nr = size
  for (let i = size - 1; i >= 0; i--) {
    outIds[i] = ids[0]!
    outKeys[i] = keys[0]!
    minPop(keys, ids, nr--)
  }
}
