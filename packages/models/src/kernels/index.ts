import { tsKernels } from './ts.ts'
import type { Kernels } from './types.ts'
import { WasmKernels } from './wasm.ts'

export { tsKernels } from './ts.ts'
export type { AttentionParams, Kernels } from './types.ts'
export { WasmKernels } from './wasm.ts'

/**
 * The kernels every architecture calls. Architectures read `kernels.linear` etc. at call time, so
 * {@link useKernels} swaps a backend (e.g. WASM SIMD) in for all models at once.
 */
export const kernels: Kernels = { ...tsKernels }

/**
 * Replace some or all kernels (a faster backend may implement only the hot ones); returns a function
 * that restores the previous set.
 */
export function useKernels(backend: Partial<Kernels>): () => void {
  const previous = { ...kernels }
  Object.assign(kernels, backend)
  return () => {
    Object.assign(kernels, previous)
  }
}

/**
 * Runs every model on the WASM SIMD kernels of `module` (`asm/kernels.wasm` or
 * `asm/kernels-relaxed.wasm`, precompiled: an import in workerd, `loadWasmKernels()` in Node);
 * returns a function that restores the previous kernels. The pure-TypeScript kernels stay the
 * fallback wherever no module is given.
 *
 * @example
 * import kernelsWasm from '@frugal/models/kernels-relaxed.wasm' // workerd
 * useWasmKernels(kernelsWasm)
 */
export function useWasmKernels(
  module: WebAssembly.Module,
  options: { maxWeightBytes?: number } = {},
): () => void {
  return useKernels(new WasmKernels(module, options).kernels())
}
