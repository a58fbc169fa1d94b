/// <reference types="node" />
import { readFile } from 'node:fs/promises'

/**
 * Compiles the WASM popcount kernel shipped with the package (`asm/hamming.wasm`) for
 * Node; pass the module to `BinaryIndex.useWasm`. Workers import the precompiled module
 * instead (`import hamming from '@frugal/ann/hamming.wasm'`).
 * @example
 * const index = loadIndex(bytes) as BinaryIndex
 * index.useWasm(await loadWasmKernels())
 */
export async function loadWasmKernels(): Promise<WebAssembly.Module> {
  // Same relative path from src/kernels and from dist/kernels.
  return WebAssembly.compile(await readFile(new URL('../../asm/hamming.wasm', import.meta.url)))
}
