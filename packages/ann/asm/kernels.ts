// AssemblyScript source of the WASM kernels of @frugal/ann (compiled by
// `pnpm run build:wasm` to kernels.wasm, which is committed). The host owns the layout of
// the linear memory: codes, query and output live at byte offsets it passes in.

/**
 * Hamming distances from the query at `queryPtr` to `count` codes at `codesPtr`; each code
 * is `words64` 64-bit words (zero padded). Writes one u16 per code at `outPtr`.
 * Uses 128-bit SIMD (XOR, per-byte popcount, byte-lane sums) on pairs of words, with a
 * scalar 64-bit popcount for an odd last word.
 */
export function hammingScan(codesPtr: usize, count: i32, words64: i32, queryPtr: usize, outPtr: usize): void {
  const pairs = words64 >> 1
  const odd = words64 & 1
  const stride = (<usize>words64) << 3
  let c = codesPtr
  for (let i = 0; i < count; i++) {
    // Byte lanes hold at most 8 per pair; flush to 16-bit lanes every 31 pairs.
    let acc16 = i16x8.splat(0)
    let acc8 = i8x16.splat(0)
    let inAcc = 0
    for (let p = 0; p < pairs; p++) {
      const x = v128.xor(v128.load(c + ((<usize>p) << 4)), v128.load(queryPtr + ((<usize>p) << 4)))
      acc8 = i8x16.add(acc8, i8x16.popcnt(x))
      if (++inAcc === 31) {
        acc16 = i16x8.add(acc16, i16x8.extadd_pairwise_i8x16_u(acc8))
        acc8 = i8x16.splat(0)
        inAcc = 0
      }
    }
    acc16 = i16x8.add(acc16, i16x8.extadd_pairwise_i8x16_u(acc8))
    const acc32 = i32x4.extadd_pairwise_i16x8_u(acc16)
    let total =
      i32x4.extract_lane(acc32, 0) +
      i32x4.extract_lane(acc32, 1) +
      i32x4.extract_lane(acc32, 2) +
      i32x4.extract_lane(acc32, 3)
    if (odd) {
      const o = (<usize>pairs) << 4
      total += <i32>popcnt<u64>(load<u64>(c + o) ^ load<u64>(queryPtr + o))
    }
    store<u16>(outPtr + ((<usize>i) << 1), <u16>total)
    c += stride
  }
}

/** Scalar variant (64-bit popcount per word), kept for hosts without SIMD and for comparison. */
export function hammingScanScalar(
  codesPtr: usize,
  count: i32,
  words64: i32,
  queryPtr: usize,
  outPtr: usize,
): void {
  const stride = (<usize>words64) << 3
  let c = codesPtr
  for (let i = 0; i < count; i++) {
    let total: u64 = 0
    for (let w = 0; w < words64; w++) {
      const o = (<usize>w) << 3
      total += popcnt<u64>(load<u64>(c + o) ^ load<u64>(queryPtr + o))
    }
    store<u16>(outPtr + ((<usize>i) << 1), <u16>total)
    c += stride
  }
}

/**
 * ADC scan of `count` product-quantised codes (`m` bytes each) starting at code `start`:
 * `out[i] = bias + Σ_j table[j * ksub + code_j]`, accumulated in f64 in the same order as
 * the TypeScript kernel (`src/kernels/adc.ts`), so both give the same bits. Writes one f32
 * per code at `outPtr`.
 */
export function adcScan(
  codesPtr: usize,
  start: i32,
  count: i32,
  m: i32,
  ksub: i32,
  tablePtr: usize,
  bias: f64,
  outPtr: usize,
): void {
  let c = codesPtr + <usize>start * <usize>m
  if (ksub === 256 && (m & 3) === 0) {
    for (let i = 0; i < count; i++) {
      let s0: f64 = bias
      let s1: f64 = 0
      let t = tablePtr
      for (let j = 0; j < m; j += 4) {
        s0 +=
          <f64>load<f32>(t + ((<usize>load<u8>(c + j)) << 2)) +
          <f64>load<f32>(t + 1024 + ((<usize>load<u8>(c + j + 1)) << 2))
        s1 +=
          <f64>load<f32>(t + 2048 + ((<usize>load<u8>(c + j + 2)) << 2)) +
          <f64>load<f32>(t + 3072 + ((<usize>load<u8>(c + j + 3)) << 2))
        t += 4096
      }
      store<f32>(outPtr + ((<usize>i) << 2), <f32>(s0 + s1))
      c += m
    }
    return
  }
  const row = (<usize>ksub) << 2
  for (let i = 0; i < count; i++) {
    let s: f64 = bias
    let t = tablePtr
    for (let j = 0; j < m; j++) {
      s += <f64>load<f32>(t + ((<usize>load<u8>(c + j)) << 2))
      t += row
    }
    store<f32>(outPtr + ((<usize>i) << 2), <f32>s)
    c += m
  }
}

// ---------------------------------------------------------------------------------------
// Prefix dot products over candidate lists and the graph search. A candidate list is either
// `count` consecutive rows from `base` (`ids` = 0) or the rows whose numbers are the `count`
// i32 at `ids`; rows are `stride` bytes apart. Four candidates go per pass so that every
// query vector load feeds four rows.

function rowAt(base: usize, stride: usize, ids: usize, i: i32): usize {
  return ids === 0 ? base + <usize>i * stride : base + <usize>load<i32>(ids + ((<usize>i) << 2)) * stride
}

function sumF32(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) +
    f32x4.extract_lane(v, 1) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
  )
}

function sumI32(v: v128): i32 {
  return (
    i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3)
  )
}

/** f32 dot product of one row with the query: four f32 lanes, then a scalar tail. */
function dotF32One(r: usize, q: usize, d: i32): f32 {
  const d4 = d & ~3
  let a = f32x4.splat(0)
  let j = 0
  for (; j < d4; j += 4) {
    const o = (<usize>j) << 2
    a = f32x4.add(a, f32x4.mul(v128.load(r + o), v128.load(q + o)))
  }
  let s = sumF32(a)
  for (; j < d; j++) s += load<f32>(r + ((<usize>j) << 2)) * load<f32>(q + ((<usize>j) << 2))
  return s
}

/**
 * `out[i] = Σ_{j<d} row_i[j] · q[j]` in f32 for the rows of a candidate list (f32 rows).
 * Each row sums in four f32 lanes (lane l takes dims ≡ l mod 4), the lanes add as
 * (l0 + l1) + (l2 + l3), then the tail dims add one by one: `dotF32Rows` in
 * `src/kernels/dots.ts` does the same operations and gives the same bits.
 */
export function dotF32Rows(
  base: usize,
  stride: usize,
  ids: usize,
  count: i32,
  q: usize,
  d: i32,
  out: usize,
): void {
  const d4 = d & ~3
  let i = 0
  for (; i + 4 <= count; i += 4) {
    const r0 = rowAt(base, stride, ids, i)
    const r1 = rowAt(base, stride, ids, i + 1)
    const r2 = rowAt(base, stride, ids, i + 2)
    const r3 = rowAt(base, stride, ids, i + 3)
    let a0 = f32x4.splat(0)
    let a1 = f32x4.splat(0)
    let a2 = f32x4.splat(0)
    let a3 = f32x4.splat(0)
    for (let j = 0; j < d4; j += 4) {
      const o = (<usize>j) << 2
      const qv = v128.load(q + o)
      a0 = f32x4.add(a0, f32x4.mul(v128.load(r0 + o), qv))
      a1 = f32x4.add(a1, f32x4.mul(v128.load(r1 + o), qv))
      a2 = f32x4.add(a2, f32x4.mul(v128.load(r2 + o), qv))
      a3 = f32x4.add(a3, f32x4.mul(v128.load(r3 + o), qv))
    }
    let s0 = sumF32(a0)
    let s1 = sumF32(a1)
    let s2 = sumF32(a2)
    let s3 = sumF32(a3)
    for (let j = d4; j < d; j++) {
      const o = (<usize>j) << 2
      const qj = load<f32>(q + o)
      s0 += load<f32>(r0 + o) * qj
      s1 += load<f32>(r1 + o) * qj
      s2 += load<f32>(r2 + o) * qj
      s3 += load<f32>(r3 + o) * qj
    }
    const po = out + ((<usize>i) << 2)
    store<f32>(po, s0)
    store<f32>(po + 4, s1)
    store<f32>(po + 8, s2)
    store<f32>(po + 12, s3)
  }
  for (; i < count; i++) store<f32>(out + ((<usize>i) << 2), dotF32One(rowAt(base, stride, ids, i), q, d))
}

/** bf16 row · f32 query: eight dims per step (two f32x4 from the high halves), then a scalar tail. */
function dotBf16One(r: usize, q: usize, d: i32): f32 {
  const d8 = d & ~7
  let a = f32x4.splat(0)
  for (let j = 0; j < d8; j += 8) {
    const v = v128.load(r + ((<usize>j) << 1))
    const qo = q + ((<usize>j) << 2)
    a = f32x4.add(a, f32x4.mul(i32x4.shl(i32x4.extend_low_i16x8_u(v), 16), v128.load(qo)))
    a = f32x4.add(a, f32x4.mul(i32x4.shl(i32x4.extend_high_i16x8_u(v), 16), v128.load(qo + 16)))
  }
  return sumF32(a) + tailBf16(r, q, d8, d)
}

/**
 * `out[i] = Σ_{j<d} row_i[j] · q[j]` in f32 for bfloat16 rows (the high 16 bits of an f32) and
 * an f32 query. Lane l of the accumulator takes dims ≡ l mod 4 in increasing order, the lanes
 * add as (l0 + l1) + (l2 + l3), then the dims past the last multiple of 8 add one by one
 * (`dotBf16Rows` in `src/kernels/dots.ts` gives the same bits).
 */
export function dotBf16Rows(
  base: usize,
  stride: usize,
  ids: usize,
  count: i32,
  q: usize,
  d: i32,
  out: usize,
): void {
  const d8 = d & ~7
  let i = 0
  for (; i + 4 <= count; i += 4) {
    const r0 = rowAt(base, stride, ids, i)
    const r1 = rowAt(base, stride, ids, i + 1)
    const r2 = rowAt(base, stride, ids, i + 2)
    const r3 = rowAt(base, stride, ids, i + 3)
    let a0 = f32x4.splat(0)
    let a1 = f32x4.splat(0)
    let a2 = f32x4.splat(0)
    let a3 = f32x4.splat(0)
    for (let j = 0; j < d8; j += 8) {
      const ro = (<usize>j) << 1
      const qo = q + ((<usize>j) << 2)
      const qlo = v128.load(qo)
      const qhi = v128.load(qo + 16)
      const v0 = v128.load(r0 + ro)
      const v1 = v128.load(r1 + ro)
      const v2 = v128.load(r2 + ro)
      const v3 = v128.load(r3 + ro)
      a0 = f32x4.add(a0, f32x4.mul(i32x4.shl(i32x4.extend_low_i16x8_u(v0), 16), qlo))
      a1 = f32x4.add(a1, f32x4.mul(i32x4.shl(i32x4.extend_low_i16x8_u(v1), 16), qlo))
      a2 = f32x4.add(a2, f32x4.mul(i32x4.shl(i32x4.extend_low_i16x8_u(v2), 16), qlo))
      a3 = f32x4.add(a3, f32x4.mul(i32x4.shl(i32x4.extend_low_i16x8_u(v3), 16), qlo))
      a0 = f32x4.add(a0, f32x4.mul(i32x4.shl(i32x4.extend_high_i16x8_u(v0), 16), qhi))
      a1 = f32x4.add(a1, f32x4.mul(i32x4.shl(i32x4.extend_high_i16x8_u(v1), 16), qhi))
      a2 = f32x4.add(a2, f32x4.mul(i32x4.shl(i32x4.extend_high_i16x8_u(v2), 16), qhi))
      a3 = f32x4.add(a3, f32x4.mul(i32x4.shl(i32x4.extend_high_i16x8_u(v3), 16), qhi))
    }
    const po = out + ((<usize>i) << 2)
    store<f32>(po, sumF32(a0) + tailBf16(r0, q, d8, d))
    store<f32>(po + 4, sumF32(a1) + tailBf16(r1, q, d8, d))
    store<f32>(po + 8, sumF32(a2) + tailBf16(r2, q, d8, d))
    store<f32>(po + 12, sumF32(a3) + tailBf16(r3, q, d8, d))
  }
  for (; i < count; i++) store<f32>(out + ((<usize>i) << 2), dotBf16One(rowAt(base, stride, ids, i), q, d))
}

/** The scalar tail of a bf16 row: dims [from, d), summed in order starting from 0. */
function tailBf16(r: usize, q: usize, from: i32, d: i32): f32 {
  let s: f32 = 0
  for (let j = from; j < d; j++)
    s += reinterpret<f32>((<u32>load<u16>(r + ((<usize>j) << 1))) << 16) * load<f32>(q + ((<usize>j) << 2))
  return s
}

/** Integer dot product of one int8 row with an i16 query over `d16` dims (a multiple of 16). */
function dotI8One(r: usize, q: usize, d16: i32): i32 {
  let a = i32x4.splat(0)
  for (let j = 0; j < d16; j += 16) {
    const v = v128.load(r + <usize>j)
    const qo = q + ((<usize>j) << 1)
    a = i32x4.add(a, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v), v128.load(qo)))
    a = i32x4.add(a, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v), v128.load(qo + 16)))
  }
  return sumI32(a)
}

/**
 * `out[i] = Σ_{j<d16} row_i[j] · q[j]` (exact i32) for the int8 rows of a candidate list and an
 * i16 query; `d16` is a multiple of 16 (query entries past the scanned prefix are zero).
 */
export function dotI8Rows(
  base: usize,
  stride: usize,
  ids: usize,
  count: i32,
  q: usize,
  d16: i32,
  out: usize,
): void {
  let i = 0
  for (; i + 4 <= count; i += 4) {
    const r0 = rowAt(base, stride, ids, i)
    const r1 = rowAt(base, stride, ids, i + 1)
    const r2 = rowAt(base, stride, ids, i + 2)
    const r3 = rowAt(base, stride, ids, i + 3)
    let a0 = i32x4.splat(0)
    let a1 = i32x4.splat(0)
    let a2 = i32x4.splat(0)
    let a3 = i32x4.splat(0)
    for (let j = 0; j < d16; j += 16) {
      const qo = q + ((<usize>j) << 1)
      const qlo = v128.load(qo)
      const qhi = v128.load(qo + 16)
      const v0 = v128.load(r0 + <usize>j)
      const v1 = v128.load(r1 + <usize>j)
      const v2 = v128.load(r2 + <usize>j)
      const v3 = v128.load(r3 + <usize>j)
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v0), qlo))
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v1), qlo))
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v2), qlo))
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v3), qlo))
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v0), qhi))
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v1), qhi))
      a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v2), qhi))
      a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v3), qhi))
    }
    const po = out + ((<usize>i) << 2)
    store<i32>(po, sumI32(a0))
    store<i32>(po + 4, sumI32(a1))
    store<i32>(po + 8, sumI32(a2))
    store<i32>(po + 12, sumI32(a3))
  }
  for (; i < count; i++) store<i32>(out + ((<usize>i) << 2), dotI8One(rowAt(base, stride, ids, i), q, d16))
}

/**
 * The key of a candidate from its integer dot product: `mode` 0 (ip) `dot·s`, 1 (cosine)
 * `dot·s·norms[id]` (the inverse prefix norm), 2 (l2) `2·dot·s − norms[id]` (the squared
 * prefix norm). Larger is better. f32 arithmetic, mirrored by `src/kernels/graph-search.ts`.
 */
function keyOf(dot: i32, scale: f32, mode: i32, norms: usize, id: i32): f32 {
  const s = <f32>dot * scale
  if (mode === 1) return s * load<f32>(norms + ((<usize>id) << 2))
  if (mode === 2) return <f32>2 * s - load<f32>(norms + ((<usize>id) << 2))
  return s
}

// Heaps of (key f32, id i32) pairs, 8 bytes per entry. `better(a, b)`: larger key, then smaller id.
function better(ka: f32, ia: i32, kb: f32, ib: i32): bool {
  return ka > kb || (ka === kb && ia < ib)
}

/** Max-heap push (best on top). */
function maxPush(h: usize, size: i32, key: f32, id: i32): void {
  let i = size
  while (i > 0) {
    const p = (i - 1) >> 1
    const pp = h + ((<usize>p) << 3)
    const pk = load<f32>(pp)
    const pi = load<i32>(pp, 4)
    if (!better(key, id, pk, pi)) break
    const ip = h + ((<usize>i) << 3)
    store<f32>(ip, pk)
    store<i32>(ip, pi, 4)
    i = p
  }
  const ip = h + ((<usize>i) << 3)
  store<f32>(ip, key)
  store<i32>(ip, id, 4)
}

/** Max-heap: removes the top; `size` is the size before removal. */
function maxPop(h: usize, size: i32): void {
  const n = size - 1
  const lp = h + ((<usize>n) << 3)
  const key = load<f32>(lp)
  const id = load<i32>(lp, 4)
  let i = 0
  for (;;) {
    let c = 2 * i + 1
    if (c >= n) break
    const cp = h + ((<usize>c) << 3)
    if (c + 1 < n && better(load<f32>(cp, 8), load<i32>(cp, 12), load<f32>(cp), load<i32>(cp, 4))) c++
    const bp = h + ((<usize>c) << 3)
    const ck = load<f32>(bp)
    const ci = load<i32>(bp, 4)
    if (!better(ck, ci, key, id)) break
    const ip = h + ((<usize>i) << 3)
    store<f32>(ip, ck)
    store<i32>(ip, ci, 4)
    i = c
  }
  const ip = h + ((<usize>i) << 3)
  store<f32>(ip, key)
  store<i32>(ip, id, 4)
}

/** Min-heap push (worst on top). */
function minPush(h: usize, size: i32, key: f32, id: i32): void {
  let i = size
  while (i > 0) {
    const p = (i - 1) >> 1
    const pp = h + ((<usize>p) << 3)
    const pk = load<f32>(pp)
    const pi = load<i32>(pp, 4)
    if (!better(pk, pi, key, id)) break
    const ip = h + ((<usize>i) << 3)
    store<f32>(ip, pk)
    store<i32>(ip, pi, 4)
    i = p
  }
  const ip = h + ((<usize>i) << 3)
  store<f32>(ip, key)
  store<i32>(ip, id, 4)
}

/** Min-heap: removes the top; `size` is the size before removal. */
function minPop(h: usize, size: i32): void {
  const n = size - 1
  const lp = h + ((<usize>n) << 3)
  const key = load<f32>(lp)
  const id = load<i32>(lp, 4)
  let i = 0
  for (;;) {
    let c = 2 * i + 1
    if (c >= n) break
    const cp = h + ((<usize>c) << 3)
    if (c + 1 < n && better(load<f32>(cp), load<i32>(cp, 4), load<f32>(cp, 8), load<i32>(cp, 12))) c++
    const bp = h + ((<usize>c) << 3)
    const ck = load<f32>(bp)
    const ci = load<i32>(bp, 4)
    if (!better(key, id, ck, ci)) break
    const ip = h + ((<usize>i) << 3)
    store<f32>(ip, ck)
    store<i32>(ip, ci, 4)
    i = c
  }
  const ip = h + ((<usize>i) << 3)
  store<f32>(ip, key)
  store<i32>(ip, id, 4)
}

/**
 * Best-first search of a proximity graph on int8 prefix codes (the search layer of HNSW, on one
 * layer, from several entry points). `adj` holds `degree` i32 neighbour slots per node, unused
 * slots -1 at the end; `visited` one u32 per node (a node is visited when it equals `epoch`).
 * `cand` is scratch for at most `candCap` entries and `res` for `ef` entries (8 bytes each),
 * `batch` for `degree` ids and `degree` i32 dots. The `ef` best nodes found are written best
 * first to `outIds`/`outKeys`, and the number of distances computed to the i32 at `stats`.
 * @returns the number written, or -1 when the candidate scratch would overflow
 */
export function graphSearch(
  codes: usize,
  stride: usize,
  d16: i32,
  adj: usize,
  degree: i32,
  seeds: usize,
  nseeds: i32,
  q: usize,
  scale: f32,
  mode: i32,
  norms: usize,
  ef: i32,
  visited: usize,
  epoch: u32,
  cand: usize,
  candCap: i32,
  res: usize,
  batch: usize,
  outIds: usize,
  outKeys: usize,
  stats: usize,
): i32 {
  let evaluated = 0
  let nc = 0
  let nr = 0
  const dots = batch + ((<usize>degree) << 2)
  // Entry points, in chunks of at most `degree`.
  for (let s0 = 0; s0 < nseeds; s0 += degree) {
    let m = 0
    const s1 = min(nseeds, s0 + degree)
    for (let s = s0; s < s1; s++) {
      const id = load<i32>(seeds + ((<usize>s) << 2))
      const vp = visited + ((<usize>id) << 2)
      if (load<u32>(vp) === epoch) continue
      store<u32>(vp, epoch)
      store<i32>(batch + ((<usize>m) << 2), id)
      m++
    }
    dotI8Rows(codes, stride, batch, m, q, d16, dots)
    evaluated += m
    for (let t = 0; t < m; t++) {
      const id = load<i32>(batch + ((<usize>t) << 2))
      const key = keyOf(load<i32>(dots + ((<usize>t) << 2)), scale, mode, norms, id)
      if (nr < ef) {
        minPush(res, nr++, key, id)
      } else if (better(key, id, load<f32>(res), load<i32>(res, 4))) {
        minPop(res, nr--)
        minPush(res, nr++, key, id)
      } else continue
      if (nc >= candCap) return -1
      maxPush(cand, nc++, key, id)
    }
  }
  while (nc > 0) {
    const ck = load<f32>(cand)
    const ci = load<i32>(cand, 4)
    if (nr >= ef && better(load<f32>(res), load<i32>(res, 4), ck, ci)) break
    maxPop(cand, nc--)
    const row = adj + <usize>ci * ((<usize>degree) << 2)
    let m = 0
    for (let t = 0; t < degree; t++) {
      const id = load<i32>(row + ((<usize>t) << 2))
      if (id < 0) break
      const vp = visited + ((<usize>id) << 2)
      if (load<u32>(vp) === epoch) continue
      store<u32>(vp, epoch)
      store<i32>(batch + ((<usize>m) << 2), id)
      m++
    }
    dotI8Rows(codes, stride, batch, m, q, d16, dots)
    evaluated += m
    for (let t = 0; t < m; t++) {
      const id = load<i32>(batch + ((<usize>t) << 2))
      const key = keyOf(load<i32>(dots + ((<usize>t) << 2)), scale, mode, norms, id)
      if (nr < ef) {
        minPush(res, nr++, key, id)
      } else if (better(key, id, load<f32>(res), load<i32>(res, 4))) {
        minPop(res, nr--)
        minPush(res, nr++, key, id)
      } else continue
      if (nc >= candCap) return -1
      maxPush(cand, nc++, key, id)
    }
  }
  store<i32>(stats, evaluated)
  const found = nr
  for (let i = found - 1; i >= 0; i--) {
    store<i32>(outIds + ((<usize>i) << 2), load<i32>(res, 4))
    store<f32>(outKeys + ((<usize>i) << 2), load<f32>(res))
    minPop(res, nr--)
  }
  return found
}

/**
 * Scores `count` consecutive int8 rows from row `first` (a scanned inverted list) and keeps the
 * best `cap` of everything scanned so far in the min-heap at `res` (8 bytes per entry, `size`
 * entries on entry), keyed as in `graphSearch`; no sorting, no allocation. `dots` is scratch for
 * 64 i32. The row number is the id.
 * @returns the heap size after the scan
 */
export function scanI8Heap(
  codes: usize,
  stride: usize,
  first: i32,
  count: i32,
  q: usize,
  d16: i32,
  scale: f32,
  mode: i32,
  norms: usize,
  res: usize,
  size: i32,
  cap: i32,
  dots: usize,
): i32 {
  let nr = size
  for (let b = 0; b < count; b += 64) {
    const m = min(64, count - b)
    const row0 = first + b
    dotI8Rows(codes + <usize>row0 * stride, stride, 0, m, q, d16, dots)
    for (let t = 0; t < m; t++) {
      const id = row0 + t
      const key = keyOf(load<i32>(dots + ((<usize>t) << 2)), scale, mode, norms, id)
      if (nr < cap) {
        minPush(res, nr++, key, id)
      } else if (better(key, id, load<f32>(res), load<i32>(res, 4))) {
        minPop(res, nr--)
        minPush(res, nr++, key, id)
      }
    }
  }
  return nr
}

/** Empties the min-heap at `res` (`size` entries) into `outIds`/`outKeys`, best first. */
export function heapDrain(res: usize, size: i32, outIds: usize, outKeys: usize): void {
  let nr = size
  for (let i = size - 1; i >= 0; i--) {
    store<i32>(outIds + ((<usize>i) << 2), load<i32>(res, 4))
    store<f32>(outKeys + ((<usize>i) << 2), load<f32>(res))
    minPop(res, nr--)
  }
}
