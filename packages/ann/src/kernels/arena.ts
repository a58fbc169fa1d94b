import { AnnError } from '../errors.ts'

/** The exports of `asm/kernels.wasm` (see `asm/kernels.ts`) used through an arena. */
export interface ArenaExports {
  memory: WebAssembly.Memory
  scanI8Heap(
    codes: number,
    stride: number,
    first: number,
    count: number,
    q: number,
    d16: number,
    scale: number,
    mode: number,
    norms: number,
    res: number,
    size: number,
    cap: number,
    dots: number,
  ): number
  heapDrain(res: number, size: number, outIds: number, outKeys: number): void
  dotBf16Rows(
    base: number,
    stride: number,
    ids: number,
    count: number,
    q: number,
    d: number,
    out: number,
  ): void
  dotF32Rows(
    base: number,
    stride: number,
    ids: number,
    count: number,
    q: number,
    d: number,
    out: number,
  ): void
  dotI8Rows(
    base: number,
    stride: number,
    ids: number,
    count: number,
    q: number,
    d16: number,
    out: number,
  ): void
  graphSearch(
    codes: number,
    stride: number,
    d16: number,
    adj: number,
    degree: number,
    seeds: number,
    nseeds: number,
    q: number,
    scale: number,
    mode: number,
    norms: number,
    ef: number,
    visited: number,
    epoch: number,
    cand: number,
    candCap: number,
    res: number,
    batch: number,
    outIds: number,
    outKeys: number,
    stats: number,
  ): number
}

const PAGE = 65536
const REQUIRED = ['dotF32Rows', 'dotBf16Rows', 'dotI8Rows', 'graphSearch', 'scanI8Heap', 'heapDrain'] as const

/**
 * One instance of the kernel module whose linear memory is laid out by the host: `alloc`
 * hands out 16-byte aligned regions (the module's own data stays in the first page), and the
 * typed-array views it returns stay valid because the memory is grown once, up front, to the
 * size given (never again).
 *
 * The module is passed in precompiled: in workerd import it (`import kernels from
 * '@frugal/ann/kernels.wasm'`), in Node use `loadWasmKernels()` from `@frugal/ann/node`.
 */
export class KernelArena {
  readonly exports: ArenaExports
  #next = PAGE
  readonly #end: number

  constructor(module: WebAssembly.Module, bytes: number) {
    if (!(module instanceof WebAssembly.Module))
      throw new AnnError('INVALID_ARGUMENT', 'expected a compiled WebAssembly.Module of kernels.wasm')
    const exports = new WebAssembly.Instance(module, {}).exports as unknown as ArenaExports
    for (const name of REQUIRED) {
      if (typeof exports[name] !== 'function')
        throw new AnnError('INVALID_ARGUMENT', `the WebAssembly module has no '${name}' kernel`)
    }
    if (!(exports.memory instanceof WebAssembly.Memory))
      throw new AnnError('INVALID_ARGUMENT', 'the WebAssembly module exports no memory')
    // Every region is rounded up to 16 bytes: leave room for that.
    const total = PAGE + bytes
    const pages = Math.ceil(total / PAGE) - exports.memory.buffer.byteLength / PAGE
    try {
      if (pages > 0) exports.memory.grow(pages)
    } catch (cause) {
      throw new AnnError('INVALID_ARGUMENT', `cannot grow WebAssembly memory to ${total} bytes`, { cause })
    }
    this.exports = exports
    this.#end = exports.memory.buffer.byteLength
  }

  /** Reserves `bytes` (rounded up to 16) and returns the byte offset. */
  alloc(bytes: number): number {
    const ptr = this.#next
    const size = (bytes + 15) & ~15
    if (ptr + size > this.#end) throw new AnnError('INVALID_ARGUMENT', 'kernel arena exhausted')
    this.#next = ptr + size
    return ptr
  }

  f32(length: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, this.alloc(length * 4), length)
  }
  i32(length: number): Int32Array {
    return new Int32Array(this.exports.memory.buffer, this.alloc(length * 4), length)
  }
  u32(length: number): Uint32Array {
    return new Uint32Array(this.exports.memory.buffer, this.alloc(length * 4), length)
  }
  u16(length: number): Uint16Array {
    return new Uint16Array(this.exports.memory.buffer, this.alloc(length * 2), length)
  }
  i16(length: number): Int16Array {
    return new Int16Array(this.exports.memory.buffer, this.alloc(length * 2), length)
  }
  i8(length: number): Int8Array {
    return new Int8Array(this.exports.memory.buffer, this.alloc(length), length)
  }

  /** Bytes of linear memory held. */
  byteSize(): number {
    return this.exports.memory.buffer.byteLength
  }
}

/** Bytes `alloc` uses for `length` elements of `bytesPer` bytes. */
export function arenaBytes(length: number, bytesPer: number): number {
  return (length * bytesPer + 15) & ~15
}
