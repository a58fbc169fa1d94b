import { dot, l2sq } from '../distance.ts'
import type { Metric } from '../types.ts'

/**
 * Exact scores of candidate rows on a `d`-prefix, the re-rank step of the quantised
 * indexes. `store` holds the full vectors (row length `dim`; unit length for `cosine`),
 * `q` the query in the same space. For `cosine` on a prefix shorter than `dim` both
 * prefixes are re-normalised (a Matryoshka prefix of a unit vector is not unit length).
 * Higher is better for every metric: `l2` candidates get the negated squared distance.
 * @returns the FLOPs spent
 */
export function exactScores(
  store: Float32Array,
  dim: number,
  metric: Metric,
  q: Float32Array,
  d: number,
  ids: Int32Array,
  count: number,
  out: Float64Array,
): number {
  if (metric === 'l2') {
    for (let i = 0; i < count; i++) out[i] = -l2sq(store, ids[i]! * dim, q, 0, d)
    return count * 3 * d
  }
  if (metric === 'ip' || d === dim) {
    for (let i = 0; i < count; i++) out[i] = dot(store, ids[i]! * dim, q, 0, d)
    return count * 2 * d
  }
  const qNorm = Math.sqrt(dot(q, 0, q, 0, d))
  const qInv = qNorm > 0 ? 1 / qNorm : 0
  for (let i = 0; i < count; i++) {
    const o = ids[i]! * dim
    const norm = Math.sqrt(dot(store, o, store, o, d))
    out[i] = norm > 0 ? (dot(store, o, q, 0, d) * qInv) / norm : 0
  }
  return count * 4 * d + 2 * d
}
