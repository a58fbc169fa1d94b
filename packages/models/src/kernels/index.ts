import { tsKernels } from './ts.ts'
import type { Kernels } from './types.ts'

export { tsKernels } from './ts.ts'
export type { AttentionParams, Kernels } from './types.ts'

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
