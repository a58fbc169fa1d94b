import { readFile } from 'node:fs/promises'
import { useWasmKernels } from './index.ts'

/**
 * Compiles the WASM SIMD kernels shipped with the package: `asm/kernels-relaxed.wasm` (fused
 * multiply-adds) where the engine validates relaxed SIMD, else `asm/kernels.wasm`, unless
 * `relaxed` says which. Workers import the precompiled module instead
 * (`import kernels from '@frugal/models/kernels.wasm'`).
 */
export async function loadWasmKernels(options: { relaxed?: boolean } = {}): Promise<WebAssembly.Module> {
  const relaxedBytes = await readFile(new URL('../../asm/kernels-relaxed.wasm', import.meta.url))
  const relaxed = options.relaxed ?? WebAssembly.validate(relaxedBytes)
  if (relaxed) return WebAssembly.compile(relaxedBytes)
  return WebAssembly.compile(await readFile(new URL('../../asm/kernels.wasm', import.meta.url)))
}

/**
 * Loads the shipped kernels ({@link loadWasmKernels}) and runs every model on them; returns a
 * function that restores the previous kernels.
 */
export async function enableWasmKernels(options: { relaxed?: boolean } = {}): Promise<() => void> {
  return useWasmKernels(await loadWasmKernels(options))
}
