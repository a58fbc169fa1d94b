import { ModelError } from '../errors.ts'

/** The exports of `asm/kernels.wasm` / `asm/kernels-relaxed.wasm` (see `asm/kernels.ts`). */
interface KernelExports {
  memory: WebAssembly.Memory
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
  swiglu(xPtr: number, rows: number, ffn: number, outPtr: number): void
  gelu(ptr: number, n: number): void
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
    qStride: number,
    kvStride: number,
    scale: number,
    causal: number,
    biasPtr: number,
    scratchPtr: number,
  ): void
  add(aPtr: number, bPtr: number, n: number, outPtr: number): void
  relaxedSimd(): number
}

const KERNELS = [
  'expInPlace',
  'packWeights',
  'linearPacked',
  'rmsNorm',
  'layerNorm',
  'rope',
  'silu',
  'swiglu',
  'gelu',
  'attention',
  'add',
  'relaxedSimd',
] as const

const PAGE = 65536
/** The first page belongs to the module's own data (AssemblyScript's constants and tables). */
const BASE = PAGE

/** Shape and options of {@link WasmKernels.attention}. */
export interface AttentionShape {
  qLen: number
  kvLen: number
  qHeads: number
  kvHeads: number
  headDim: number
  /** Multiplier of QKᵀ (usually `1/√headDim`). */
  scale: number
  /** Query i sees keys `0 … kvLen − qLen + i` (default true). */
  causal?: boolean
  /** `[kvLen]` added to every query's scores before the softmax (ToMe's log-size). */
  bias?: Float32Array
}

const align16 = (n: number) => (n + 15) & ~15

function check(cond: boolean, message: string): void {
  if (!cond) throw new ModelError('INVALID_ARGUMENT', message)
}

/**
 * The WASM SIMD kernels of @frugal/models over one instance of the module (its own linear
 * memory). The operations take and return ordinary typed arrays with the same signatures as
 * the TypeScript kernels; weights given to {@link linear} are packed into the module's
 * memory on first use and reused by identity afterwards (treat a weight array as immutable
 * once used; {@link clearWeights} forgets them all). Activations are copied in and out per
 * call, which costs far less than the arithmetic.
 *
 * The module is passed in precompiled: in workerd import it
 * (`import kernels from '@frugal/models/kernels.wasm'`), in Node use `loadWasmKernels()`
 * from `@frugal/models/node`, in a browser `WebAssembly.compileStreaming(fetch(url))`.
 */
export class WasmKernels {
  /** Whether this module uses relaxed-SIMD fused multiply-adds. */
  readonly relaxed: boolean
  readonly #x: KernelExports
  #packed = new WeakMap<Float32Array, { ptr: number; inDim: number; outDim: number }>()
  /** End of the packed weights; per-call scratch starts here. */
  #top = BASE

  constructor(module: WebAssembly.Module) {
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
    this.relaxed = exports.relaxedSimd() === 1
  }

  /** Makes sure the memory reaches byte `end`; views of the memory must be taken after this. */
  #reserve(end: number): void {
    const have = this.#x.memory.buffer.byteLength
    if (end > have) this.#x.memory.grow(Math.ceil((end - have) / PAGE))
  }

  /** Copies arrays into scratch after the weights; returns their byte offsets. */
  #stage(arrays: (Float32Array | Int32Array | number)[]): number[] {
    const ptrs: number[] = []
    let p = this.#top
    for (const a of arrays) {
      ptrs.push(p)
      p += align16((typeof a === 'number' ? a : a.length) * 4)
    }
    this.#reserve(p)
    const buf = this.#x.memory.buffer
    arrays.forEach((a, i) => {
      if (typeof a === 'number') return
      if (a instanceof Int32Array) new Int32Array(buf, ptrs[i]!, a.length).set(a)
      else new Float32Array(buf, ptrs[i]!, a.length).set(a)
    })
    return ptrs
  }

  #read(out: Float32Array, ptr: number): void {
    out.set(new Float32Array(this.#x.memory.buffer, ptr, out.length))
  }

  /** Byte offset of `w` packed into panels, packing it on first use. */
  #weights(w: Float32Array, outDim: number, inDim: number): number {
    const hit = this.#packed.get(w)
    if (hit && hit.inDim === inDim && hit.outDim === outDim) return hit.ptr
    const ptr = this.#top
    const packedBytes = Math.ceil(outDim / 8) * 8 * inDim * 4
    this.#top = align16(ptr + packedBytes)
    const [raw] = this.#stage([w])
    this.#x.packWeights(raw!, outDim, inDim, ptr)
    this.#packed.set(w, { ptr, inDim, outDim })
    return ptr
  }

  /** Forgets every packed weight and releases their space for reuse (the memory does not shrink). */
  clearWeights(): void {
    this.#packed = new WeakMap()
    this.#top = BASE
  }

  /** Bytes of WASM linear memory held. */
  byteSize(): number {
    return this.#x.memory.buffer.byteLength
  }

  /**
   * `out[rows, outDim] = x[rows, inDim] · wᵀ + bias`, w `[outDim, inDim]` (a PyTorch `Linear`
   * weight). A blocked GEMM on weights packed once per array.
   */
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
      x.length >= rows * inDim && w.length === outDim * inDim && out.length >= rows * outDim,
      'linear: shapes disagree',
    )
    check(!bias || bias.length === outDim, `linear: bias must hold ${outDim} values`)
    const wp = this.#weights(w, outDim, inDim)
    let b: Float32Array | undefined
    if (bias) {
      b = new Float32Array(Math.ceil(outDim / 8) * 8)
      b.set(bias)
    }
    const [xp, bp, op] = this.#stage([x.subarray(0, rows * inDim), b ?? 0, rows * outDim])
    this.#x.linearPacked(xp!, rows, inDim, wp, outDim, bias ? bp! : 0, op!)
    this.#read(out.subarray(0, rows * outDim), op!)
  }

  /** RMSNorm of each of `rows` rows of `dim`: `x / sqrt(mean(x²) + eps) · w`. */
  rmsNorm(out: Float32Array, x: Float32Array, w: Float32Array, rows: number, dim: number, eps: number): void {
    check(x.length >= rows * dim && out.length >= rows * dim && w.length === dim, 'rmsNorm: shapes disagree')
    const [xp, wp] = this.#stage([x.subarray(0, rows * dim), w])
    this.#x.rmsNorm(xp!, wp!, rows, dim, eps, xp!)
    this.#read(out.subarray(0, rows * dim), xp!)
  }

  /** LayerNorm of each row: `(x − mean) / sqrt(var + eps) · w + b`. */
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
      x.length >= rows * dim && out.length >= rows * dim && w.length === dim && b.length === dim,
      'layerNorm: shapes disagree',
    )
    const [xp, wp, bp] = this.#stage([x.subarray(0, rows * dim), w, b])
    this.#x.layerNorm(xp!, wp!, bp!, rows, dim, eps, xp!)
    this.#read(out.subarray(0, rows * dim), xp!)
  }

  /**
   * Rotary embeddings in place (rotate-half convention) on `tokens` rows of `stride` floats,
   * the first `heads·headDim` of which are rotated per head; `positions[t]` is token t's position.
   */
  rope(
    x: Float32Array,
    tokens: number,
    heads: number,
    headDim: number,
    stride: number,
    positions: Int32Array,
    theta: number,
  ): void {
    check(
      headDim % 2 === 0 && heads * headDim <= stride && x.length >= tokens * stride,
      'rope: shapes disagree',
    )
    check(positions.length >= tokens, 'rope: one position per token is needed')
    const [xp, pp, tp] = this.#stage([x.subarray(0, tokens * stride), positions.subarray(0, tokens), headDim])
    this.#x.rope(xp!, tokens, heads, headDim, stride, pp!, theta, tp!)
    this.#read(x.subarray(0, tokens * stride), xp!)
  }

  /** SiLU in place. */
  silu(x: Float32Array): void {
    const [p] = this.#stage([x])
    this.#x.silu(p!, x.length)
    this.#read(x, p!)
  }

  /** Exact (erf) GELU in place. */
  gelu(x: Float32Array): void {
    const [p] = this.#stage([x])
    this.#x.gelu(p!, x.length)
    this.#read(x, p!)
  }

  /** SwiGLU: `out[r, i] = SiLU(x[r, i]) · x[r, ffn + i]` for x `[rows, 2·ffn]`, out `[rows, ffn]`. */
  swiglu(out: Float32Array, x: Float32Array, rows: number, ffn: number): void {
    check(x.length >= rows * 2 * ffn && out.length >= rows * ffn, 'swiglu: shapes disagree')
    const [xp, op] = this.#stage([x.subarray(0, rows * 2 * ffn), rows * ffn])
    this.#x.swiglu(xp!, rows, ffn, op!)
    this.#read(out.subarray(0, rows * ffn), op!)
  }

  /** `out = a + b` elementwise. */
  add(out: Float32Array, a: Float32Array, b: Float32Array): void {
    check(a.length === b.length && out.length >= a.length, 'add: shapes disagree')
    const [ap, bp] = this.#stage([a, b])
    this.#x.add(ap!, bp!, a.length, ap!)
    this.#read(out.subarray(0, a.length), ap!)
  }

  /**
   * Scaled dot-product attention with grouped-query heads: q and out `[qLen, qHeads·headDim]`,
   * k and v `[kvLen, kvHeads·headDim]`; query head h reads kv head `h / (qHeads/kvHeads)`.
   */
  attention(out: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, s: AttentionShape): void {
    const { qLen, kvLen, qHeads, kvHeads, headDim } = s
    check(headDim % 4 === 0, `attention: headDim must be a multiple of 4, got ${headDim}`)
    check(
      kvHeads > 0 && qHeads % kvHeads === 0,
      `attention: qHeads (${qHeads}) must be a multiple of kvHeads (${kvHeads})`,
    )
    check(kvLen >= qLen || s.causal === false, 'attention: a causal mask needs kvLen >= qLen')
    const qn = qLen * qHeads * headDim
    const kn = kvLen * kvHeads * headDim
    check(
      q.length >= qn && out.length >= qn && k.length >= kn && v.length >= kn,
      'attention: shapes disagree',
    )
    check(!s.bias || s.bias.length >= kvLen, 'attention: bias must hold kvLen values')
    const [qp, kp, vp, bp, sp] = this.#stage([
      q.subarray(0, qn),
      k.subarray(0, kn),
      v.subarray(0, kn),
      s.bias ? s.bias.subarray(0, kvLen) : 0,
      kvLen + 4,
    ])
    const stride = qHeads * headDim
    const kvStride = kvHeads * headDim
    this.#x.attention(
      qp!,
      kp!,
      vp!,
      qp!,
      qLen,
      kvLen,
      qHeads,
      kvHeads,
      headDim,
      stride,
      kvStride,
      s.scale,
      s.causal === false ? 0 : 1,
      s.bias ? bp! : 0,
      sp!,
    )
    this.#read(out.subarray(0, qn), qp!)
  }

  /** e^x in place with the kernels' vector exp (for tests of its accuracy). */
  exp(x: Float32Array): void {
    const [p] = this.#stage([Math.ceil(x.length / 4) * 4])
    new Float32Array(this.#x.memory.buffer, p!, x.length).set(x)
    this.#x.expInPlace(p!, Math.ceil(x.length / 4) * 4)
    this.#read(x, p!)
  }
}
