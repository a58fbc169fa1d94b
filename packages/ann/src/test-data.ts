import { Rng } from './random.ts'

/**
 * Matryoshka-like test vectors: cluster centres plus noise, with per-dimension scale
 * decaying along the dims so that leading prefixes carry most of the signal.
 * Shared by the tests of this package (not part of the public API).
 */
export function matryoshkaData(n: number, dim: number, clusters: number, seed: number): Float32Array {
  const rng = new Rng(seed)
  const centres = new Float32Array(clusters * dim)
  for (let i = 0; i < centres.length; i++) centres[i] = rng.gaussian()
  const out = new Float32Array(n * dim)
  for (let i = 0; i < n; i++) {
    const c = rng.int(clusters)
    for (let j = 0; j < dim; j++) {
      const scale = 1 / Math.sqrt(1 + j / 4)
      out[i * dim + j] = (centres[c * dim + j]! + 0.6 * rng.gaussian()) * scale
    }
  }
  return out
}

/** Throws unless `fn` throws an AnnError-like error with `code`; returns the error message. */
export function errorCode(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return (e as { code?: string }).code ?? `not an AnnError: ${String(e)}`
  }
  return undefined
}
