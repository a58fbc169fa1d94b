import { ModelError } from '../errors.ts'
import { attention as tsAttention, rope as tsRope } from './ts.ts'
import type { AttentionParams, Kernels } from './types.ts'

/** The exports of `asm/kernels.wasm` / `asm/kernels-relaxed.wasm` (see `asm/kernels.ts`). */
interface KernelExports {
  memory: WebAssembly.Memory
  relaxedSimd(): number
  expInPlace(ptr: number, n: number): void
  packWeights(wPtr: number, outDim: number, inDim: number, dstPtr: number): void
  linearPacked(
    xPtr: number,
    rows: number,
    inDim: number,
    wPacked: number,
    outDim: number,
    biasPtr: number,
    outPtr: number,
  ): void
  rmsNorm(xPtr: number, wPtr: number, rows: number, dim: number, eps: number, outPtr: number): void
  layerNorm(
    xPtr: number,
    wPtr: number,
    bPtr: number,
    rows: number,
    dim: number,
    eps: number,
    outPtr: number,
  ): void
  rope(
    xPtr: number,
    tokens: number,
    heads: number,
    headDim: number,
    stride: number,
    positionsPtr: number,
    theta: number,
    tablePtr: number,
  ): void
  silu(ptr: number, n: number): void
  gelu(ptr: number, n: number): void
  quickGelu(ptr: number, n: number): void
  softmax(ptr: number, rows: number, cols: number): void
  swiglu(xPtr: number, rows: number, ffn: number, outPtr: number): void
  attention(
    qPtr: number,
    kPtr: number,
    vPtr: number,
    outPtr: number,
    qLen: number,
    kvLen: number,
    qHeads: number,
    kvHeads: number,
    headDim: number,
    qPosPtr: number,
    kPosPtr: number,
    biasPtr: number,
    probsPtr: number,
    scratchPtr: number,
  ): void
  add(aPtr: number, bPtr: number, n: number, outPtr: number): void
}

const KERNELS = [
  'relaxedSimd',
  'expInPlace',
  'packWeights',
  'linearPacked',
  'rmsNorm',
  'layerNorm',
  'rope',
  'silu',
  'gelu',
  'quickGelu',
  'softmax',
  'swiglu',
  'attention',
  'add',
] as const

const PAGE = 65536
/** The first page belongs to the module's own data (AssemblyScript's constants and tables). */
const BASE = PAGE
/** Packed weights beyond this many bytes make the cache start over (wasm32 memory is at most 4 GiB). */
const DEFAULT_MAX_WEIGHT_BYTES = 1 << 30

const align16 = (n: number) => (n + 15) & ~15

function check(cond: boolean, message: string): void {
  if (!cond) throw new ModelError('INVALID_ARGUMENT', message)
}

interface Packed {
  ptr: number
  inDim: number
  outDim: number
  /** A few values of the weights when they were packed, to notice a matrix changed in place. */
  probe: Float32Array
}

/** Sixteen values spread over the matrix (all of it when smaller). */
function probeOf(w: Float32Array, n: number): Float32Array {
  const k = Math.min(16, n)
  const out = new Float32Array(k)
  for (let i = 0; i < k; i++) out[i] = w[Math.floor((i * (n - 1)) / Math.max(1, k - 1))]!
  return out
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false
  return true
}

/**
 * The WASM SIMD kernels of @frugal/models over one instance of the module (its own linear
 * memory), with the signatures of the TypeScript kernels ({@link Kernels}). A weight given to
 * {@link linear} is packed into the module's memory on first use and found again by its place
 * in its buffer (so views of one buffer work too). Sixteen sampled values are compared on each
 * use, so a matrix rewritten in place is repacked; a change that spares all sixteen is not
 * seen: call {@link clearWeights} after editing weights. Activations are copied in and out per
 * call, which costs far less than the arithmetic.
 *
 * The module is passed in precompiled: in workerd import it
 * (`import kernels from '@frugal/models/kernels.wasm'`), in Node use `loadWasmKernels()` from
 * `@frugal/models/node`, in a browser `WebAssembly.compileStreaming(fetch(url))`.
 *
 * @example
 * useKernels(new WasmKernels(await loadWasmKernels()).kernels()) // every model now runs on WASM
 */
export class WasmKernels {
  /** Whether this build uses relaxed-SIMD fused multiply-adds. */
  readonly relaxed: boolean
  readonly #x: KernelExports
  readonly #maxWeightBytes: number
  #packed = new WeakMap<ArrayBufferLike, Map<string, Packed>>()
  /** End of the packed weights; per-call scratch starts here. */
  #top = BASE

  constructor(module: WebAssembly.Module, options: { maxWeightBytes?: number } = {}) {
    check(module instanceof WebAssembly.Module, 'expected a compiled WebAssembly.Module of kernels.wasm')
    const exports = new WebAssembly.Instance(module, {}).exports as unknown as KernelExports
    for (const k of KERNELS) {
      if (typeof exports[k] !== 'function') {
        throw new ModelError(
          'INVALID_ARGUMENT',
          `the WebAssembly module has no '${k}' kernel; is it @frugal/models' kernels.wasm?`,
        )
      }
    }
    check(exports.memory instanceof WebAssembly.Memory, 'the WebAssembly module exports no memory')
    this.#x = exports
    this.#maxWeightBytes = options.maxWeightBytes ?? DEFAULT_MAX_WEIGHT_BYTES
    this.relaxed = exports.relaxedSimd() === 1
  }

  /** The operations as a {@link Kernels} object for `useKernels` (bound to this instance). */
  kernels(): Kernels {
    return {
      linear: this.linear.bind(this),
      rmsNorm: this.rmsNorm.bind(this),
      layerNorm: this.layerNorm.bind(this),
      softmax: this.softmax.bind(this),
      silu: this.silu.bind(this),
      gelu: this.gelu.bind(this),
      quickGelu: this.quickGelu.bind(this),
      swiglu: this.swiglu.bind(this),
      rope: this.rope.bind(this),
      attention: this.attention.bind(this),
    }
  }

  /** Makes sure the memory reaches byte `end`; views of the memory must be taken after this. */
  #reserve(end: number): void {
    const have = this.#x.memory.buffer.byteLength
    if (end > have) this.#x.memory.grow(Math.ceil((end - have) / PAGE))
  }

  /** Copies arrays (or reserves `n` floats for a number) into scratch after the weights; returns their offsets. */
  #stage(arrays: (Float32Array | Int32Array | number | undefined)[]): number[] {
    const ptrs: number[] = []
    let p = this.#top
    for (const a of arrays) {
      ptrs.push(a === undefined ? 0 : p)
      if (a !== undefined) p += align16((typeof a === 'number' ? a : a.length) * 4)
    }
    this.#reserve(p)
    const buf = this.#x.memory.buffer
    arrays.forEach((a, i) => {
      if (a === undefined || typeof a === 'number') return
      if (a instanceof Int32Array) new Int32Array(buf, ptrs[i]!, a.length).set(a)
      else new Float32Array(buf, ptrs[i]!, a.length).set(a)
    })
    return ptrs
  }

  #read(out: Float32Array, ptr: number): void {
    out.set(new Float32Array(this.#x.memory.buffer, ptr, out.length))
  }

  /**
   * Byte offset of `w` packed into panels, packing it on first use. A matrix found again whose
   * sampled values changed (written in place) is packed again into the same place.
   */
  #weights(w: Float32Array, outDim: number, inDim: number): number {
    const key = `${w.byteOffset}:${outDim}:${inDim}`
    const n = outDim * inDim
    const hit = this.#packed.get(w.buffer)?.get(key)
    if (hit && sameValues(hit.probe, probeOf(w, n))) return hit.ptr
    let ptr: number
    if (hit) ptr = hit.ptr
    else {
      const packedBytes = Math.ceil(outDim / 8) * 8 * inDim * 4
      if (this.#top + packedBytes - BASE > this.#maxWeightBytes) this.clearWeights()
      ptr = this.#top
      this.#top = align16(ptr + packedBytes)
    }
    const [raw] = this.#stage([w.subarray(0, n)])
    this.#x.packWeights(raw!, outDim, inDim, ptr)
    let entries = this.#packed.get(w.buffer)
    if (!entries) {
      entries = new Map()
      this.#packed.set(w.buffer, entries)
    }
    entries.set(key, { ptr, inDim, outDim, probe: probeOf(w, n) })
    return ptr
  }

  /** Forgets every packed weight and reuses their space (the memory itself does not shrink). */
  clearWeights(): void {
    this.#packed = new WeakMap()
    this.#top = BASE
  }

  /** Bytes of WASM linear memory held. */
  byteSize(): number {
    return this.#x.memory.buffer.byteLength
  }

  /** `out[rows, outDim] = x[rows, inDim] · wᵀ + bias`: a blocked GEMM on weights packed once. */
  linear(
    out: Float32Array,
    x: Float32Array,
    w: Float32Array,
    rows: number,
    inDim: number,
    outDim: number,
    bias?: Float32Array,
  ): void {
    check(
      x.length >= rows * inDim && w.length >= outDim * inDim && out.length >= rows * outDim,
      `linear: arrays too short for [${rows}, ${inDim}] · [${outDim}, ${inDim}]ᵀ`,
    )
    check(!bias || bias.length >= outDim, `linear: bias must hold ${outDim} values`)
    const wp = this.#weights(w, outDim, inDim)
    let b: Float32Array | undefined
    if (bias) {
      // The kernel reads the bias eight at a time.
      b = new Float32Array(Math.ceil(outDim / 8) * 8)
      b.set(bias.subarray(0, outDim))
    }
    const [xp, bp, op] = this.#stage([x.subarray(0, rows * inDim), b, rows * outDim])
    this.#x.linearPacked(xp!, rows, inDim, wp, outDim, bp!, op!)
    this.#read(out.subarray(0, rows * outDim), op!)
  }

  /** RMSNorm per row of `dim` (may be in place). */
  rmsNorm(out: Float32Array, x: Float32Array, w: Float32Array, rows: number, dim: number, eps: number): void {
    check(x.length >= rows * dim && out.length >= rows * dim && w.length >= dim, 'rmsNorm: shapes disagree')
    const [xp, wp] = this.#stage([x.subarray(0, rows * dim), w.subarray(0, dim)])
    this.#x.rmsNorm(xp!, wp!, rows, dim, eps, xp!)
    this.#read(out.subarray(0, rows * dim), xp!)
  }

  /** LayerNorm per row (may be in place). */
  layerNorm(
    out: Float32Array,
    x: Float32Array,
    w: Float32Array,
    b: Float32Array,
    rows: number,
    dim: number,
    eps: number,
  ): void {
    check(
      x.length >= rows * dim && out.length >= rows * dim && w.length >= dim && b.length >= dim,
      'layerNorm: shapes disagree',
    )
    const [xp, wp, bp] = this.#stage([x.subarray(0, rows * dim), w.subarray(0, dim), b.subarray(0, dim)])
    this.#x.layerNorm(xp!, wp!, bp!, rows, dim, eps, xp!)
    this.#read(out.subarray(0, rows * dim), xp!)
  }

  /** In-place softmax per row. */
  softmax(x: Float32Array, rows: number, cols: number): void {
    this.#inPlace(x, rows * cols, (p) => this.#x.softmax(p, rows, cols))
  }

  /** In-place SiLU over the first `n` values. */
  silu(x: Float32Array, n: number): void {
    this.#inPlace(x, n, (p) => this.#x.silu(p, n))
  }

  /** In-place exact (erf) GELU over the first `n` values. */
  gelu(x: Float32Array, n: number): void {
    this.#inPlace(x, n, (p) => this.#x.gelu(p, n))
  }

  /** In-place `x·σ(1.702x)` over the first `n` values. */
  quickGelu(x: Float32Array, n: number): void {
    this.#inPlace(x, n, (p) => this.#x.quickGelu(p, n))
  }

  #inPlace(x: Float32Array, n: number, run: (ptr: number) => void): void {
    check(x.length >= n, `expected at least ${n} values, got ${x.length}`)
    const part = x.subarray(0, n)
    const [p] = this.#stage([part])
    run(p!)
    this.#read(part, p!)
  }

  /** SwiGLU: `out[r, i] = silu(gu[r, i]) · gu[r, ffn + i]`. */
  swiglu(out: Float32Array, gu: Float32Array, rows: number, ffn: number): void {
    check(gu.length >= rows * 2 * ffn && out.length >= rows * ffn, 'swiglu: shapes disagree')
    const [xp, op] = this.#stage([gu.subarray(0, rows * 2 * ffn), rows * ffn])
    this.#x.swiglu(xp!, rows, ffn, op!)
    this.#read(out.subarray(0, rows * ffn), op!)
  }

  /** In-place rotary embedding (rotate-half) on `[rows, heads·headDim]`, row r at `positions[r]`. */
  rope(
    x: Float32Array,
    rows: number,
    heads: number,
    headDim: number,
    positions: Int32Array,
    theta: number,
  ): void {
    if (headDim % 2 !== 0) {
      tsRope(x, rows, heads, headDim, positions, theta)
      return
    }
    const n = rows * heads * headDim
    check(x.length >= n && positions.length >= rows, 'rope: shapes disagree')
    const [xp, pp, tp] = this.#stage([x.subarray(0, n), positions.subarray(0, rows), headDim])
    this.#x.rope(xp!, rows, heads, headDim, heads * headDim, pp!, theta, tp!)
    this.#read(x.subarray(0, n), xp!)
  }

  /**
   * Scaled dot-product attention with grouped-query heads, masking by position, a key bias and
   * optional probabilities (see {@link AttentionParams}). A head size that is not a multiple of
   * 4 runs the TypeScript kernel.
   */
  attention(out: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, p: AttentionParams): void {
    const { qLen, kLen, heads, kvHeads, headDim } = p
    if (headDim % 4 !== 0) {
      tsAttention(out, q, k, v, p)
      return
    }
    check(
      kvHeads > 0 && heads % kvHeads === 0,
      `attention: heads (${heads}) must be a multiple of kvHeads (${kvHeads})`,
    )
    const qn = qLen * heads * headDim
    const kn = kLen * kvHeads * headDim
    check(
      q.length >= qn && out.length >= qn && k.length >= kn && v.length >= kn,
      'attention: shapes disagree',
    )
    const positions = p.qPositions && p.kPositions
    check(
      !positions || (p.qPositions!.length >= qLen && p.kPositions!.length >= kLen),
      'attention: positions too short',
    )
    check(!p.keyBias || p.keyBias.length >= kLen, `attention: keyBias must hold ${kLen} values`)
    check(!p.probs || p.probs.length >= heads * qLen * kLen, 'attention: probs too short')
    const [qp, kp, vp, op, qpp, kpp, bp, pp, sp] = this.#stage([
      q.subarray(0, qn),
      k.subarray(0, kn),
      v.subarray(0, kn),
      qn,
      positions ? p.qPositions!.subarray(0, qLen) : undefined,
      positions ? p.kPositions!.subarray(0, kLen) : undefined,
      p.keyBias ? p.keyBias.subarray(0, kLen) : undefined,
      p.probs ? heads * qLen * kLen : undefined,
      kLen + 4,
    ])
    this.#x.attention(qp!, kp!, vp!, op!, qLen, kLen, heads, kvHeads, headDim, qpp!, kpp!, bp!, pp!, sp!)
    this.#read(out.subarray(0, qn), op!)
    if (p.probs) this.#read(p.probs.subarray(0, heads * qLen * kLen), pp!)
  }

  /** `out = a + b` elementwise. */
  add(out: Float32Array, a: Float32Array, b: Float32Array): void {
    check(a.length === b.length && out.length >= a.length, 'add: shapes disagree')
    const [ap, bp] = this.#stage([a, b])
    this.#x.add(ap!, bp!, a.length, ap!)
    this.#read(out.subarray(0, a.length), ap!)
  }

  /** e^x in place with the kernels' vector exp (to test its accuracy). */
  exp(x: Float32Array): void {
    const padded = Math.ceil(x.length / 4) * 4
    const [p] = this.#stage([padded])
    new Float32Array(this.#x.memory.buffer, p!, x.length).set(x)
    this.#x.expInPlace(p!, padded)
    this.#read(x, p!)
  }
}
