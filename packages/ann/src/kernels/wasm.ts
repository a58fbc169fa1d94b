import { AnnError } from '../errors.ts'

/** The exports of `asm/kernels.wasm` (see `asm/kernels.ts`). */
interface KernelExports {
  memory: WebAssembly.Memory
  hammingScan(codesPtr: number, count: number, words64: number, queryPtr: number, outPtr: number): void
  hammingScanScalar(codesPtr: number, count: number, words64: number, queryPtr: number, outPtr: number): void
  adcScan(
    codesPtr: number,
    start: number,
    count: number,
    m: number,
    ksub: number,
    tablePtr: number,
    bias: number,
    outPtr: number,
  ): void
}

const PAGE = 65536
/** Start of the host-managed area: the first page is left to the module's own data. */
const BASE = PAGE

/** A fresh instance of the kernel module (its own memory) with at least `bytes` of memory from {@link BASE}. */
function instantiate(module: WebAssembly.Module, bytes: number, kernel: keyof KernelExports): KernelExports {
  if (!(module instanceof WebAssembly.Module)) {
    throw new AnnError('INVALID_ARGUMENT', 'expected a compiled WebAssembly.Module of kernels.wasm')
  }
  const exports = new WebAssembly.Instance(module, {}).exports as unknown as KernelExports
  if (typeof exports[kernel] !== 'function' || !(exports.memory instanceof WebAssembly.Memory)) {
    throw new AnnError('INVALID_ARGUMENT', `the WebAssembly module has no '${kernel}' kernel`)
  }
  const need = Math.ceil((BASE + bytes) / PAGE) - exports.memory.buffer.byteLength / PAGE
  if (need > 0) exports.memory.grow(need)
  return exports
}

/**
 * A Hamming scanner backed by the WASM popcount kernel. It owns one instance of the
 * module (its own linear memory), holds a copy of the codes there (each padded to whole
 * 64-bit words) and writes the distances of a scan to a Uint16Array view of that memory.
 *
 * The module is passed in precompiled, never compiled from bytes here: in workerd import
 * it (`import kernels from '@frugal/ann/kernels.wasm'`); in Node use `loadWasmKernels()`
 * from `@frugal/ann/node`.
 */
export class WasmHamming {
  readonly entries: number
  readonly words: number
  readonly #exports: KernelExports
  readonly #words64: number
  readonly #queryPtr: number
  readonly #query: Uint32Array
  readonly #out: Uint16Array
  readonly #simd: boolean

  /**
   * @param codes `entries * words` packed Uint32 codes
   * @param simd use the 128-bit SIMD loop instead of the scalar 64-bit popcount loop
   *   (default false: on x86-64 `i64.popcnt` is one instruction while `i8x16.popcnt` is
   *   lowered to a shuffle sequence, and the scalar loop measured faster)
   */
  constructor(module: WebAssembly.Module, codes: Uint32Array, entries: number, words: number, simd = false) {
    this.entries = entries
    this.words = words
    this.#simd = simd
    const words64 = (words + 1) >> 1
    this.#words64 = words64
    const codeBytes = entries * words64 * 8
    this.#queryPtr = BASE + codeBytes
    const outPtr = this.#queryPtr + words64 * 8
    const exports = instantiate(module, codeBytes + words64 * 8 + entries * 2, 'hammingScan')
    this.#exports = exports
    const memory = exports.memory
    // Codes, each padded to an even number of Uint32 words (zeros XOR zeros count nothing).
    const area = new Uint32Array(memory.buffer, BASE, entries * words64 * 2)
    if (words % 2 === 0) {
      area.set(codes.subarray(0, entries * words))
    } else {
      for (let e = 0; e < entries; e++) area.set(codes.subarray(e * words, (e + 1) * words), e * words64 * 2)
    }
    this.#query = new Uint32Array(memory.buffer, this.#queryPtr, words64 * 2)
    this.#out = new Uint16Array(memory.buffer, outPtr, entries)
  }

  /**
   * Hamming distances from `query[qo..qo+words)` to every code.
   * @returns a view of the distances, valid until the next scan
   */
  scan(query: Uint32Array, qo: number): Uint16Array {
    this.#query.set(query.subarray(qo, qo + this.words))
    const outPtr = this.#out.byteOffset
    if (this.#simd) this.#exports.hammingScan(BASE, this.entries, this.#words64, this.#queryPtr, outPtr)
    else this.#exports.hammingScanScalar(BASE, this.entries, this.#words64, this.#queryPtr, outPtr)
    return this.#out
  }

  /** Bytes of WASM linear memory held. */
  byteSize(): number {
    return this.#exports.memory.buffer.byteLength
  }
}

/**
 * An ADC scanner backed by the WASM kernel: the PQ codes live in the module's memory, the
 * per-query lookup table is written straight into it ({@link WasmAdc.table}), and a scan
 * returns the scores as a view of that memory. Bit-identical to `adcScan` in TypeScript.
 */
export class WasmAdc {
  readonly m: number
  readonly ksub: number
  /** The lookup table (`m * ksub` floats) the next scans read: fill it in place. */
  readonly table: Float32Array
  readonly #exports: KernelExports
  readonly #out: Float32Array

  /**
   * @param codes `n * m` code bytes
   * @param maxCount the longest range a single scan will cover
   */
  constructor(module: WebAssembly.Module, codes: Uint8Array, m: number, ksub: number, maxCount: number) {
    const codeBytes = Math.ceil(codes.length / 16) * 16
    const tableBytes = m * ksub * 4
    this.#exports = instantiate(module, codeBytes + tableBytes + maxCount * 4, 'adcScan')
    const buffer = this.#exports.memory.buffer
    new Uint8Array(buffer, BASE, codes.length).set(codes)
    this.m = m
    this.ksub = ksub
    this.table = new Float32Array(buffer, BASE + codeBytes, m * ksub)
    this.#out = new Float32Array(buffer, BASE + codeBytes + tableBytes, maxCount)
  }

  /**
   * Scores codes `start..start+count)` against {@link table} plus `bias`.
   * @returns a view of the scores, valid until the next scan
   */
  scan(start: number, count: number, bias: number): Float32Array {
    this.#exports.adcScan(
      BASE,
      start,
      count,
      this.m,
      this.ksub,
      this.table.byteOffset,
      bias,
      this.#out.byteOffset,
    )
    return this.#out
  }

  /** Bytes of WASM linear memory held. */
  byteSize(): number {
    return this.#exports.memory.buffer.byteLength
  }
}
