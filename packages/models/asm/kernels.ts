// AssemblyScript source of the WASM SIMD kernels of @frugal/models (compiled by
// `pnpm run build:wasm` to kernels.wasm and kernels-relaxed.wasm, both committed). The host
// owns the layout of the linear memory and passes byte offsets; all matrices are row-major
// f32. Single-threaded by design (workerd has no Worker threads).

/** 1 if this build uses relaxed-SIMD fused multiply-adds (kernels-relaxed.wasm), else 0. */
export function relaxedSimd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0
}

// ---- helpers --------------------------------------------------------------------------------

/** a·b + c; one fused instruction where relaxed SIMD is enabled. */
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c)
  return f32x4.add(f32x4.mul(a, b), c)
}

function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3)
  )
}

function hmax(v: v128): f32 {
  return max(
    max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)),
  )
}

/**
 * e^x on four lanes (Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, degree-5 polynomial, 2^n by
 * building the exponent bits). Relative error below 2e-7 on [-87, 88]; 0 below, clamped above.
 */
function vexp(x: v128): v128 {
  // Below ln(FLT_MIN) the result is 0 (as f64 Math.exp rounds to f32), not a clamped denormal.
  const under = f32x4.lt(x, f32x4.splat(-87.33654))
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.33654)), f32x4.splat(88.72283))
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(<f32>Math.LOG2E)))
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)))
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.1219444e-4)))
  let p = f32x4.splat(1.98756915e-4)
  p = madd(p, r, f32x4.splat(1.3981999507e-3))
  p = madd(p, r, f32x4.splat(8.3334519073e-3))
  p = madd(p, r, f32x4.splat(4.1665795894e-2))
  p = madd(p, r, f32x4.splat(1.6666665459e-1))
  p = madd(p, r, f32x4.splat(5.0000001201e-1))
  const r2 = f32x4.mul(r, r)
  p = madd(p, r2, f32x4.add(r, f32x4.splat(1.0)))
  const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23)
  return v128.andnot(f32x4.mul(p, pow2n), under)
}

/** Exported for the host's tests: e^x of `n` floats in place (n a multiple of 4). */
export function expInPlace(ptr: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const p = ptr + ((<usize>i) << 2)
    v128.store(p, vexp(v128.load(p)))
  }
}

// ---- linear: out[rows, outDim] = x[rows, inDim] · Wᵀ + bias --------------------------------

/**
 * Packs W `[outDim, inDim]` into panels of 8 output rows, each laid out `[inDim][8]` (the 8
 * weights of one input dimension side by side), zero-padded to a whole panel. Output size:
 * `⌈outDim/8⌉ · inDim · 8` floats.
 */
export function packWeights(wPtr: usize, outDim: i32, inDim: i32, dstPtr: usize): void {
  const panels = (outDim + 7) >> 3
  for (let p = 0; p < panels; p++) {
    const panel = dstPtr + ((<usize>p * <usize>inDim) << 5)
    for (let j = 0; j < 8; j++) {
      const o = (p << 3) + j
      if (o < outDim) {
        const src = wPtr + ((<usize>o * <usize>inDim) << 2)
        for (let k = 0; k < inDim; k++)
          store<f32>(panel + ((<usize>k) << 5) + ((<usize>j) << 2), load<f32>(src + ((<usize>k) << 2)))
      } else {
        for (let k = 0; k < inDim; k++) store<f32>(panel + ((<usize>k) << 5) + ((<usize>j) << 2), 0)
      }
    }
  }
}

function storeRow8(outRow: usize, o0: i32, outDim: i32, a: v128, b: v128, biasPtr: usize): void {
  if (biasPtr) {
    a = f32x4.add(a, v128.load(biasPtr + ((<usize>o0) << 2)))
    b = f32x4.add(b, v128.load(biasPtr + ((<usize>o0) << 2), 16))
  }
  const dst = outRow + ((<usize>o0) << 2)
  if (o0 + 8 <= outDim) {
    v128.store(dst, a)
    v128.store(dst, b, 16)
    return
  }
  // Last, partial panel: only the valid outputs.
  const left = outDim - o0
  if (left > 0) store<f32>(dst, f32x4.extract_lane(a, 0))
  if (left > 1) store<f32>(dst, f32x4.extract_lane(a, 1), 4)
  if (left > 2) store<f32>(dst, f32x4.extract_lane(a, 2), 8)
  if (left > 3) store<f32>(dst, f32x4.extract_lane(a, 3), 12)
  if (left > 4) store<f32>(dst, f32x4.extract_lane(b, 0), 16)
  if (left > 5) store<f32>(dst, f32x4.extract_lane(b, 1), 20)
  if (left > 6) store<f32>(dst, f32x4.extract_lane(b, 2), 24)
}

/**
 * The GEMM behind `linear`, on weights packed by {@link packWeights}. Register tile of 4 rows
 * × 8 outputs (8 accumulators); the loop over panels is outside the loop over row blocks, so
 * one panel (8·inDim floats) stays in L1 while the rows stream from L2. `biasPtr` 0 = none.
 * The bias buffer must be padded to a multiple of 8 floats.
 */
export function linearPacked(
  xPtr: usize,
  rows: i32,
  inDim: i32,
  wPacked: usize,
  outDim: i32,
  biasPtr: usize,
  outPtr: usize,
): void {
  const panels = (outDim + 7) >> 3
  const xStride = (<usize>inDim) << 2
  const oStride = (<usize>outDim) << 2
  const rows4 = rows & ~3
  for (let p = 0; p < panels; p++) {
    const panel = wPacked + ((<usize>p * <usize>inDim) << 5)
    const o0 = p << 3
    let r = 0
    for (; r < rows4; r += 4) {
      const x0 = xPtr + <usize>r * xStride
      const x1 = x0 + xStride
      const x2 = x1 + xStride
      const x3 = x2 + xStride
      let a0 = f32x4.splat(0),
        b0 = f32x4.splat(0)
      let a1 = f32x4.splat(0),
        b1 = f32x4.splat(0)
      let a2 = f32x4.splat(0),
        b2 = f32x4.splat(0)
      let a3 = f32x4.splat(0),
        b3 = f32x4.splat(0)
      let w = panel
      for (let k = 0; k < inDim; k++) {
        const wa = v128.load(w)
        const wb = v128.load(w, 16)
        const kk = (<usize>k) << 2
        let s = v128.load32_splat(x0 + kk)
        a0 = madd(s, wa, a0)
        b0 = madd(s, wb, b0)
        s = v128.load32_splat(x1 + kk)
        a1 = madd(s, wa, a1)
        b1 = madd(s, wb, b1)
        s = v128.load32_splat(x2 + kk)
        a2 = madd(s, wa, a2)
        b2 = madd(s, wb, b2)
        s = v128.load32_splat(x3 + kk)
        a3 = madd(s, wa, a3)
        b3 = madd(s, wb, b3)
        w += 32
      }
      const out0 = outPtr + <usize>r * oStride
      storeRow8(out0, o0, outDim, a0, b0, biasPtr)
      storeRow8(out0 + oStride, o0, outDim, a1, b1, biasPtr)
      storeRow8(out0 + 2 * oStride, o0, outDim, a2, b2, biasPtr)
      storeRow8(out0 + 3 * oStride, o0, outDim, a3, b3, biasPtr)
    }
    for (; r < rows; r++) {
      const x0 = xPtr + <usize>r * xStride
      // Two partial sums over even/odd k hide the add latency of a single row.
      let a0 = f32x4.splat(0),
        b0 = f32x4.splat(0)
      let a1 = f32x4.splat(0),
        b1 = f32x4.splat(0)
      let w = panel
      let k = 0
      for (; k + 1 < inDim; k += 2) {
        const kk = (<usize>k) << 2
        const s0 = v128.load32_splat(x0 + kk)
        const s1 = v128.load32_splat(x0 + kk, 4)
        a0 = madd(s0, v128.load(w), a0)
        b0 = madd(s0, v128.load(w, 16), b0)
        a1 = madd(s1, v128.load(w, 32), a1)
        b1 = madd(s1, v128.load(w, 48), b1)
        w += 64
      }
      if (k < inDim) {
        const s0 = v128.load32_splat(x0 + ((<usize>k) << 2))
        a0 = madd(s0, v128.load(w), a0)
        b0 = madd(s0, v128.load(w, 16), b0)
      }
      storeRow8(outPtr + <usize>r * oStride, o0, outDim, f32x4.add(a0, a1), f32x4.add(b0, b1), biasPtr)
    }
  }
}

// ---- norms ------------------------------------------------------------------------------------

/** RMSNorm of each row: `out = x / sqrt(mean(x²) + eps) · w` (w `[dim]`; out may be x). */
export function rmsNorm(xPtr: usize, wPtr: usize, rows: i32, dim: i32, eps: f32, outPtr: usize): void {
  const d4 = dim & ~3
  for (let r = 0; r < rows; r++) {
    const x = xPtr + ((<usize>r * <usize>dim) << 2)
    const o = outPtr + ((<usize>r * <usize>dim) << 2)
    let acc = f32x4.splat(0)
    let i = 0
    for (; i < d4; i += 4) {
      const v = v128.load(x + ((<usize>i) << 2))
      acc = madd(v, v, acc)
    }
    let ss = hsum(acc)
    for (; i < dim; i++) {
      const v = load<f32>(x + ((<usize>i) << 2))
      ss += v * v
    }
    const inv = <f32>1 / Mathf.sqrt(ss / <f32>dim + eps)
    const vinv = f32x4.splat(inv)
    i = 0
    for (; i < d4; i += 4) {
      const off = (<usize>i) << 2
      v128.store(o + off, f32x4.mul(f32x4.mul(v128.load(x + off), vinv), v128.load(wPtr + off)))
    }
    for (; i < dim; i++) {
      const off = (<usize>i) << 2
      store<f32>(o + off, load<f32>(x + off) * inv * load<f32>(wPtr + off))
    }
  }
}

/** LayerNorm of each row: `out = (x − mean) / sqrt(var + eps) · w + b` (biased variance; out may be x). */
export function layerNorm(
  xPtr: usize,
  wPtr: usize,
  bPtr: usize,
  rows: i32,
  dim: i32,
  eps: f32,
  outPtr: usize,
): void {
  const d4 = dim & ~3
  for (let r = 0; r < rows; r++) {
    const x = xPtr + ((<usize>r * <usize>dim) << 2)
    const o = outPtr + ((<usize>r * <usize>dim) << 2)
    let acc = f32x4.splat(0)
    let i = 0
    for (; i < d4; i += 4) acc = f32x4.add(acc, v128.load(x + ((<usize>i) << 2)))
    let s = hsum(acc)
    for (; i < dim; i++) s += load<f32>(x + ((<usize>i) << 2))
    const mean = s / <f32>dim
    const vmean = f32x4.splat(mean)
    acc = f32x4.splat(0)
    i = 0
    for (; i < d4; i += 4) {
      const c = f32x4.sub(v128.load(x + ((<usize>i) << 2)), vmean)
      acc = madd(c, c, acc)
    }
    let ss = hsum(acc)
    for (; i < dim; i++) {
      const c = load<f32>(x + ((<usize>i) << 2)) - mean
      ss += c * c
    }
    const inv = <f32>1 / Mathf.sqrt(ss / <f32>dim + eps)
    const vinv = f32x4.splat(inv)
    i = 0
    for (; i < d4; i += 4) {
      const off = (<usize>i) << 2
      const c = f32x4.mul(f32x4.sub(v128.load(x + off), vmean), vinv)
      v128.store(o + off, madd(c, v128.load(wPtr + off), v128.load(bPtr + off)))
    }
    for (; i < dim; i++) {
      const off = (<usize>i) << 2
      store<f32>(o + off, (load<f32>(x + off) - mean) * inv * load<f32>(wPtr + off) + load<f32>(bPtr + off))
    }
  }
}

// ---- RoPE -------------------------------------------------------------------------------------

/**
 * Rotary embeddings, rotate-half convention (HF/corenet): for each token t and head, with
 * `h = headDim/2`, `x[i] ← x[i]·cos − x[i+h]·sin`, `x[i+h] ← x[i+h]·cos + x[i]·sin`, angle
 * `pos_t · θ^(−2i/headDim)`. In place on `[tokens, heads·headDim]` rows of `stride` floats.
 * `positionsPtr` holds one i32 per token. `tablePtr` is scratch of headDim floats.
 */
export function rope(
  xPtr: usize,
  tokens: i32,
  heads: i32,
  headDim: i32,
  stride: i32,
  positionsPtr: usize,
  theta: f32,
  tablePtr: usize,
): void {
  const half = headDim >> 1
  const cosPtr = tablePtr
  const sinPtr = tablePtr + ((<usize>half) << 2)
  const h4 = half & ~3
  for (let t = 0; t < tokens; t++) {
    const pos = <f32>load<i32>(positionsPtr + ((<usize>t) << 2))
    for (let i = 0; i < half; i++) {
      // inv_freq in f32 as PyTorch computes it; the angle product in f32 too.
      const e = <f32>(i << 1) / <f32>headDim
      const power = <f32>(<f64>theta ** <f64>e)
      const invFreq = <f32>(1.0 / <f64>power)
      const a = pos * invFreq
      store<f32>(cosPtr + ((<usize>i) << 2), <f32>Math.cos(<f64>a))
      store<f32>(sinPtr + ((<usize>i) << 2), <f32>Math.sin(<f64>a))
    }
    const row = xPtr + ((<usize>t * <usize>stride) << 2)
    for (let h = 0; h < heads; h++) {
      const x = row + ((<usize>h * <usize>headDim) << 2)
      const y = x + ((<usize>half) << 2)
      let i = 0
      for (; i < h4; i += 4) {
        const off = (<usize>i) << 2
        const c = v128.load(cosPtr + off)
        const s = v128.load(sinPtr + off)
        const a = v128.load(x + off)
        const b = v128.load(y + off)
        v128.store(x + off, f32x4.sub(f32x4.mul(a, c), f32x4.mul(b, s)))
        v128.store(y + off, madd(a, s, f32x4.mul(b, c)))
      }
      for (; i < half; i++) {
        const off = (<usize>i) << 2
        const c = load<f32>(cosPtr + off)
        const s = load<f32>(sinPtr + off)
        const a = load<f32>(x + off)
        const b = load<f32>(y + off)
        store<f32>(x + off, a * c - b * s)
        store<f32>(y + off, b * c + a * s)
      }
    }
  }
}

// ---- activations ------------------------------------------------------------------------------

function vsilu(x: v128): v128 {
  return f32x4.div(x, f32x4.add(f32x4.splat(1), vexp(f32x4.neg(x))))
}

/** SiLU in place on n floats: x·σ(x). */
export function silu(ptr: usize, n: i32): void {
  const n4 = n & ~3
  let i = 0
  for (; i < n4; i += 4) {
    const p = ptr + ((<usize>i) << 2)
    v128.store(p, vsilu(v128.load(p)))
  }
  for (; i < n; i++) {
    const p = ptr + ((<usize>i) << 2)
    const v = load<f32>(p)
    store<f32>(p, v / (<f32>1 + Mathf.exp(-v)))
  }
}

/**
 * SwiGLU: out[r, i] = SiLU(x[r, i]) · x[r, ffn + i] for x `[rows, 2·ffn]` (OpenELM's
 * `proj_1` output: gate half, then up half) and out `[rows, ffn]`.
 */
export function swiglu(xPtr: usize, rows: i32, ffn: i32, outPtr: usize): void {
  const f4 = ffn & ~3
  for (let r = 0; r < rows; r++) {
    const g = xPtr + ((<usize>r * <usize>ffn) << 3)
    const u = g + ((<usize>ffn) << 2)
    const o = outPtr + ((<usize>r * <usize>ffn) << 2)
    let i = 0
    for (; i < f4; i += 4) {
      const off = (<usize>i) << 2
      v128.store(o + off, f32x4.mul(vsilu(v128.load(g + off)), v128.load(u + off)))
    }
    for (; i < ffn; i++) {
      const off = (<usize>i) << 2
      const v = load<f32>(g + off)
      store<f32>(o + off, (v / (<f32>1 + Mathf.exp(-v))) * load<f32>(u + off))
    }
  }
}

/**
 * Exact GELU in place, `x·Φ(x) = x/2·(1 + erf(x/√2))`, with erf from Abramowitz–Stegun 7.1.26
 * (absolute error below 1.5e-7).
 */
export function gelu(ptr: usize, n: i32): void {
  const n4 = n & ~3
  let i = 0
  for (; i < n4; i += 4) {
    const p = ptr + ((<usize>i) << 2)
    const x = v128.load(p)
    const z = f32x4.mul(x, f32x4.splat(<f32>Math.SQRT1_2))
    const az = f32x4.abs(z)
    const t = f32x4.div(f32x4.splat(1), madd(az, f32x4.splat(0.3275911), f32x4.splat(1)))
    let y = f32x4.splat(1.061405429)
    y = madd(y, t, f32x4.splat(-1.453152027))
    y = madd(y, t, f32x4.splat(1.421413741))
    y = madd(y, t, f32x4.splat(-0.284496736))
    y = madd(y, t, f32x4.splat(0.254829592))
    y = f32x4.mul(y, t)
    const e = f32x4.sub(f32x4.splat(1), f32x4.mul(y, vexp(f32x4.neg(f32x4.mul(az, az)))))
    // erf is odd: take the sign of z.
    const erf = v128.bitselect(f32x4.neg(e), e, f32x4.lt(z, f32x4.splat(0)))
    v128.store(p, f32x4.mul(f32x4.mul(x, f32x4.splat(0.5)), f32x4.add(f32x4.splat(1), erf)))
  }
  for (; i < n; i++) {
    const p = ptr + ((<usize>i) << 2)
    const x = load<f32>(p)
    const z = x * <f32>Math.SQRT1_2
    const az = Mathf.abs(z)
    const t = <f32>1 / (<f32>1 + <f32>0.3275911 * az)
    const y =
      ((((<f32>1.061405429 * t - <f32>1.453152027) * t + <f32>1.421413741) * t - <f32>0.284496736) * t +
        <f32>0.254829592) *
      t
    let e = <f32>1 - y * Mathf.exp(-az * az)
    if (z < 0) e = -e
    store<f32>(p, <f32>0.5 * x * (<f32>1 + e))
  }
}

// ---- attention ----------------------------------------------------------------------------------

/**
 * Scaled dot-product attention, `softmax(q·kᵀ/√headDim + keyBias)·v` per head, with grouped-query
 * heads and masking by position. q and out are `[qLen, qHeads·headDim]`, k and v
 * `[kvLen, kvHeads·headDim]`; query head h reads kv head `h / (qHeads/kvHeads)`. With position
 * arrays (`qPosPtr`, `kPosPtr`: one i32 per row; 0 = none), query i sees key j only if
 * `kPos[j] <= qPos[i]`. `biasPtr` (0 = none) adds one float per key. `probsPtr` (0 = none)
 * receives the probabilities `[qHeads, qLen, kvLen]`, 0 where masked. `scratchPtr` holds kvLen
 * + 4 floats. headDim must be a multiple of 4. out must not overlap q.
 */
export function attention(
  qPtr: usize,
  kPtr: usize,
  vPtr: usize,
  outPtr: usize,
  qLen: i32,
  kvLen: i32,
  qHeads: i32,
  kvHeads: i32,
  headDim: i32,
  qPosPtr: usize,
  kPosPtr: usize,
  biasPtr: usize,
  probsPtr: usize,
  scratchPtr: usize,
): void {
  const group = qHeads / kvHeads
  const scale = <f32>(1.0 / Math.sqrt(<f64>headDim))
  const vscale = f32x4.splat(scale)
  const ninf = f32x4.splat(-Infinity)
  const masked = qPosPtr !== 0 && kPosPtr !== 0
  const qStride = (<usize>(qHeads * headDim)) << 2
  const kvRow = (<usize>(kvHeads * headDim)) << 2
  for (let h = 0; h < qHeads; h++) {
    const kvOff = (<usize>((h / group) * headDim)) << 2
    const qOff = (<usize>(h * headDim)) << 2
    for (let i = 0; i < qLen; i++) {
      const q = qPtr + <usize>i * qStride + qOff
      const qpos = masked ? load<i32>(qPosPtr + ((<usize>i) << 2)) : 0
      const vqpos = i32x4.splat(qpos)
      // Keys after the last visible one are skipped entirely (the causal prefix case).
      let n = kvLen
      if (masked) while (n > 0 && load<i32>(kPosPtr + ((<usize>(n - 1)) << 2)) > qpos) n--
      let mx = ninf
      let j = 0
      const n4 = n & ~3
      for (; j < n4; j += 4) {
        const k0 = kPtr + <usize>j * kvRow + kvOff
        const k1 = k0 + kvRow
        const k2 = k1 + kvRow
        const k3 = k2 + kvRow
        let s0 = f32x4.splat(0)
        let s1 = f32x4.splat(0)
        let s2 = f32x4.splat(0)
        let s3 = f32x4.splat(0)
        for (let d = 0; d < headDim; d += 4) {
          const off = (<usize>d) << 2
          const qv = v128.load(q + off)
          s0 = madd(qv, v128.load(k0 + off), s0)
          s1 = madd(qv, v128.load(k1 + off), s1)
          s2 = madd(qv, v128.load(k2 + off), s2)
          s3 = madd(qv, v128.load(k3 + off), s3)
        }
        // Transpose-add: the lanes of `dots` are the four keys' dot products.
        const u01 = f32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7))
        const u23 = f32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7))
        let dots = f32x4.mul(f32x4.add(i64x2.shuffle(u01, u23, 0, 2), i64x2.shuffle(u01, u23, 1, 3)), vscale)
        if (biasPtr) dots = f32x4.add(dots, v128.load(biasPtr + ((<usize>j) << 2)))
        if (masked)
          dots = v128.bitselect(ninf, dots, i32x4.gt_s(v128.load(kPosPtr + ((<usize>j) << 2)), vqpos))
        v128.store(scratchPtr + ((<usize>j) << 2), dots)
        mx = f32x4.max(mx, dots)
      }
      let m = hmax(mx)
      for (; j < n; j++) {
        let v: f32 = -Infinity
        if (!masked || load<i32>(kPosPtr + ((<usize>j) << 2)) <= qpos) {
          const k0 = kPtr + <usize>j * kvRow + kvOff
          let s = f32x4.splat(0)
          for (let d = 0; d < headDim; d += 4)
            s = madd(v128.load(q + ((<usize>d) << 2)), v128.load(k0 + ((<usize>d) << 2)), s)
          v = hsum(s) * scale
          if (biasPtr) v += load<f32>(biasPtr + ((<usize>j) << 2))
        }
        store<f32>(scratchPtr + ((<usize>j) << 2), v)
        m = max(m, v)
      }
      // Softmax weights; masked keys get exactly 0.
      const vm = f32x4.splat(m)
      let sumv = f32x4.splat(0)
      j = 0
      for (; j < n4; j += 4) {
        const p = scratchPtr + ((<usize>j) << 2)
        const s = v128.load(p)
        const e = v128.bitselect(f32x4.splat(0), vexp(f32x4.sub(s, vm)), f32x4.eq(s, ninf))
        v128.store(p, e)
        sumv = f32x4.add(sumv, e)
      }
      let sum = hsum(sumv)
      for (; j < n; j++) {
        const p = scratchPtr + ((<usize>j) << 2)
        const s = load<f32>(p)
        const e = s === -Infinity ? <f32>0 : f32x4.extract_lane(vexp(f32x4.splat(s - m)), 0)
        store<f32>(p, e)
        sum += e
      }
      const inv: f32 = sum > 0 ? <f32>1 / sum : 0
      const vinv = f32x4.splat(inv)
      if (probsPtr) {
        const row = probsPtr + (((<usize>h * <usize>qLen + <usize>i) * <usize>kvLen) << 2)
        for (let jj = 0; jj < n; jj++)
          store<f32>(row + ((<usize>jj) << 2), load<f32>(scratchPtr + ((<usize>jj) << 2)) * inv)
        for (let jj = n; jj < kvLen; jj++) store<f32>(row + ((<usize>jj) << 2), 0)
      }
      // out = Σ_j p_j v_j, headDim in chunks of 16 floats held in registers.
      const o = outPtr + <usize>i * qStride + qOff
      for (let d = 0; d < headDim; d += 16) {
        const off = (<usize>d) << 2
        const full = d + 16 <= headDim
        let a0 = f32x4.splat(0)
        let a1 = f32x4.splat(0)
        let a2 = f32x4.splat(0)
        let a3 = f32x4.splat(0)
        let vr = vPtr + kvOff + off
        for (let jj = 0; jj < n; jj++) {
          const p = v128.load32_splat(scratchPtr + ((<usize>jj) << 2))
          a0 = madd(p, v128.load(vr), a0)
          if (full) {
            a1 = madd(p, v128.load(vr, 16), a1)
            a2 = madd(p, v128.load(vr, 32), a2)
            a3 = madd(p, v128.load(vr, 48), a3)
          } else {
            if (d + 4 < headDim) a1 = madd(p, v128.load(vr, 16), a1)
            if (d + 8 < headDim) a2 = madd(p, v128.load(vr, 32), a2)
          }
          vr += kvRow
        }
        v128.store(o + off, f32x4.mul(a0, vinv))
        if (full) {
          v128.store(o + off, f32x4.mul(a1, vinv), 16)
          v128.store(o + off, f32x4.mul(a2, vinv), 32)
          v128.store(o + off, f32x4.mul(a3, vinv), 48)
        } else {
          if (d + 4 < headDim) v128.store(o + off, f32x4.mul(a1, vinv), 16)
          if (d + 8 < headDim) v128.store(o + off, f32x4.mul(a2, vinv), 32)
        }
      }
    }
  }
}

/** In-place softmax over each of `rows` rows of `cols` floats. */
export function softmax(ptr: usize, rows: i32, cols: i32): void {
  const c4 = cols & ~3
  for (let r = 0; r < rows; r++) {
    const x = ptr + ((<usize>r * <usize>cols) << 2)
    let mx = f32x4.splat(-Infinity)
    let i = 0
    for (; i < c4; i += 4) mx = f32x4.max(mx, v128.load(x + ((<usize>i) << 2)))
    let m = hmax(mx)
    for (; i < cols; i++) m = max(m, load<f32>(x + ((<usize>i) << 2)))
    const vm = f32x4.splat(m)
    let sv = f32x4.splat(0)
    i = 0
    for (; i < c4; i += 4) {
      const p = x + ((<usize>i) << 2)
      const e = vexp(f32x4.sub(v128.load(p), vm))
      v128.store(p, e)
      sv = f32x4.add(sv, e)
    }
    let sum = hsum(sv)
    for (; i < cols; i++) {
      const p = x + ((<usize>i) << 2)
      const e = f32x4.extract_lane(vexp(f32x4.splat(load<f32>(p) - m)), 0)
      store<f32>(p, e)
      sum += e
    }
    const inv = f32x4.splat(<f32>1 / sum)
    i = 0
    for (; i < c4; i += 4) {
      const p = x + ((<usize>i) << 2)
      v128.store(p, f32x4.mul(v128.load(p), inv))
    }
    for (; i < cols; i++) {
      const p = x + ((<usize>i) << 2)
      store<f32>(p, load<f32>(p) / sum)
    }
  }
}

/** In-place `x·σ(1.702x)` (OpenAI CLIP's quick GELU). */
export function quickGelu(ptr: usize, n: i32): void {
  const n4 = n & ~3
  let i = 0
  const c = f32x4.splat(-1.702)
  for (; i < n4; i += 4) {
    const p = ptr + ((<usize>i) << 2)
    const x = v128.load(p)
    v128.store(p, f32x4.div(x, f32x4.add(f32x4.splat(1), vexp(f32x4.mul(x, c)))))
  }
  for (; i < n; i++) {
    const p = ptr + ((<usize>i) << 2)
    const x = load<f32>(p)
    store<f32>(p, x / (<f32>1 + f32x4.extract_lane(vexp(f32x4.splat(<f32>-1.702 * x)), 0)))
  }
}

// ---- elementwise -------------------------------------------------------------------------------

/** out[i] = a[i] + b[i] for n floats (residual adds; out may alias a or b). */
export function add(aPtr: usize, bPtr: usize, n: i32, outPtr: usize): void {
  const n4 = n & ~3
  let i = 0
  for (; i < n4; i += 4) {
    const off = (<usize>i) << 2
    v128.store(outPtr + off, f32x4.add(v128.load(aPtr + off), v128.load(bPtr + off)))
  }
  for (; i < n; i++) {
    const off = (<usize>i) << 2
    store<f32>(outPtr + off, load<f32>(aPtr + off) + load<f32>(bPtr + off))
  }
}
