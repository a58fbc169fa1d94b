/// <reference types="node" />
import { readFile } from 'node:fs/promises'

/**
 * Compiles the WASM kernels shipped with the package (`asm/kernels.wasm`: popcount Hamming
 * and ADC scans) for Node; pass the module to `BinaryIndex.useWasm` / `IvfPqIndex.useWasm`.
 * Workers import the precompiled module instead (`import kernels from '@frugal/ann/kernels.wasm'`).
 * @example
 * const index = loadIndex(bytes) as BinaryIndex
 * index.useWasm(await loadWasmKernels())
 */
export async function loadWasmKernels(): Promise<WebAssembly.Module> {
  // Same relative path from src/kernels and from dist/kernels.
  return WebAssembly.compile(await readFile(new URL('../../asm/kernels.wasm', import.meta.url)))
}
