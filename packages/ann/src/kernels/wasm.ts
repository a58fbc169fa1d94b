import { AnnError } from '../errors.ts'

/** The exports of `asm/hamming.wasm` (see `asm/hamming.ts`). */
interface HammingExports {
  memory: WebAssembly.Memory
  hammingScan(codesPtr: number, count: number, words64: number, queryPtr: number, outPtr: number): void
  hammingScanScalar(codesPtr: number, count: number, words64: number, queryPtr: number, outPtr: number): void
}

const PAGE = 65536
/** Start of the host-managed area: the first page is left to the module's own data. */
const BASE = PAGE

/**
 * A Hamming scanner backed by the WASM popcount kernel. It owns one instance of the
 * module (its own linear memory), holds a copy of the codes there (each padded to whole
 * 64-bit words) and writes the distances of a scan to a Uint16Array view of that memory.
 *
 * The module is passed in precompiled, never compiled from bytes here: in workerd import
 * it (`import hamming from '@frugal/ann/hamming.wasm'`); in Node use `loadWasmKernels()`
 * from `@frugal/ann/node`.
 */
export class WasmHamming {
  readonly entries: number
  readonly words: number
  readonly #exports: HammingExports
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
    if (!(module instanceof WebAssembly.Module)) {
      throw new AnnError('INVALID_ARGUMENT', 'expected a compiled WebAssembly.Module of hamming.wasm')
    }
    const instance = new WebAssembly.Instance(module, {})
    const exports = instance.exports as unknown as HammingExports
    if (typeof exports.hammingScan !== 'function' || !(exports.memory instanceof WebAssembly.Memory)) {
      throw new AnnError('INVALID_ARGUMENT', 'the WebAssembly module is not the hamming kernel')
    }
    this.entries = entries
    this.words = words
    this.#exports = exports
    this.#simd = simd
    const words64 = (words + 1) >> 1
    this.#words64 = words64
    const codeBytes = entries * words64 * 8
    this.#queryPtr = BASE + codeBytes
    const outPtr = this.#queryPtr + words64 * 8
    const end = outPtr + entries * 2
    const memory = exports.memory
    const need = Math.ceil(end / PAGE) - memory.buffer.byteLength / PAGE
    if (need > 0) memory.grow(need)
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
