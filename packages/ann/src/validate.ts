import { AnnError } from './errors.ts'
import type { Metric } from './types.ts'

/**
 * Argument checks shared by every index: each throws an `AnnError` whose code and message
 * name the offending argument, so that callers (and the CLI) can report it precisely.
 */

const METRICS: readonly Metric[] = ['cosine', 'ip', 'l2']

/** Largest `dim` an index may have (stored or built); 65,536 dims is far past any embedding. */
export const MAX_INDEX_DIM = 65_536

/** Largest re-rank depth an index stores (search clamps any depth to the index's rows). */
export const MAX_RERANK = 1 << 20

/**
 * Largest magnitude of a vector value (data, queries, stored vectors and centroids): 2^32.
 * With at most 2^16 dims, every dot product, squared distance and norm of such values stays
 * below 2^114, so no score can overflow even float32 (2^128): a search never returns a
 * non-finite score. Real embeddings are many orders of magnitude smaller.
 */
export const MAX_MAGNITUDE = 2 ** 32

export function checkMetric(metric: unknown): Metric {
  if (!METRICS.includes(metric as Metric)) {
    throw new AnnError(
      'INVALID_ARGUMENT',
      `metric must be one of ${METRICS.join(', ')}, got ${String(metric)}`,
    )
  }
  return metric as Metric
}

/** An integer in [min, max]. */
export function checkInt(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`
    throw new AnnError('INVALID_ARGUMENT', `${name} must be an integer ${range}, got ${String(value)}`)
  }
  return value
}

/** `k`: a positive integer. */
export function checkK(k: unknown): number {
  return checkInt('k', k, 1)
}

/** A finite number in [min, max]. */
export function checkNumber(
  name: string,
  value: unknown,
  min: number,
  max = Number.POSITIVE_INFINITY,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new AnnError(
      'INVALID_ARGUMENT',
      `${name} must be a finite number in [${min}, ${max}], got ${String(value)}`,
    )
  }
  return value
}

/** `data` holds `n` rows of `dim` finite floats. */
export function checkVectors(name: string, data: unknown, n: number, dim: number): Float32Array {
  if (!(data instanceof Float32Array))
    throw new AnnError('INVALID_ARGUMENT', `${name} must be a Float32Array`)
  checkInt('n', n, 0)
  checkInt('dim', dim, 1)
  if (data.length !== n * dim) {
    throw new AnnError(
      'DIMENSION_MISMATCH',
      `${name} holds ${data.length} floats, expected n * dim = ${n} * ${dim}`,
    )
  }
  checkFinite(name, data, dim)
  return data
}

/** A batch of queries: a multiple of `dim` finite floats. @returns the number of queries */
export function checkQueries(queries: unknown, dim: number): number {
  if (!(queries instanceof Float32Array))
    throw new AnnError('INVALID_ARGUMENT', 'queries must be a Float32Array')
  if (queries.length % dim !== 0) {
    throw new AnnError(
      'DIMENSION_MISMATCH',
      `queries hold ${queries.length} floats, not a multiple of dim = ${dim}`,
    )
  }
  checkFinite('queries', queries, dim)
  return queries.length / dim
}

/** One query of exactly `dim` finite floats. */
export function checkQuery(query: unknown, dim: number): Float32Array {
  if (!(query instanceof Float32Array)) throw new AnnError('INVALID_ARGUMENT', 'query must be a Float32Array')
  if (query.length !== dim) {
    throw new AnnError('DIMENSION_MISMATCH', `query has ${query.length} dims, the index has ${dim}`)
  }
  checkFinite('query', query, dim)
  return query
}

/**
 * Every value of `data` is finite and within ±`bound` (default {@link MAX_MAGNITUDE}).
 * Throws `NOT_FINITE` naming the row and dim of the first that is not.
 */
export function checkFinite(name: string, data: Float32Array, dim: number, bound = MAX_MAGNITUDE): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!
    // False for NaN too: one comparison pair covers NaN, ±Infinity and huge finite values.
    if (!(v <= bound && v >= -bound)) {
      const what = Number.isFinite(v) ? `${v}, beyond ±${bound}` : String(v)
      throw new AnnError('NOT_FINITE', `${name} row ${Math.floor(i / dim)} dim ${i % dim} holds ${what}`)
    }
  }
}
