/**
 * Prefix distance kernels on row-major Float32Array storage. Every function reads `d`
 * values starting at the given offsets, accumulates in float64 with four independent
 * accumulators (the JIT keeps them in registers, which breaks the add dependency chain),
 * and adds them in a fixed order so the same inputs always give the same bits.
 */

/** Dot product of `a[ao..ao+d)` and `b[bo..bo+d)`. */
export function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  const end = d & ~3
  let i = 0
  for (; i < end; i += 4) {
    s0 += a[ao + i]! * b[bo + i]!
    s1 += a[ao + i + 1]! * b[bo + i + 1]!
    s2 += a[ao + i + 2]! * b[bo + i + 2]!
    s3 += a[ao + i + 3]! * b[bo + i + 3]!
  }
  for (; i < d; i++) s0 += a[ao + i]! * b[bo + i]!
  return s0 + s1 + (s2 + s3)
}

/** Squared Euclidean distance of `a[ao..ao+d)` and `b[bo..bo+d)`. */
export function l2sq(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  const end = d & ~3
  let i = 0
  for (; i < end; i += 4) {
    const x0 = a[ao + i]! - b[bo + i]!
    const x1 = a[ao + i + 1]! - b[bo + i + 1]!
    const x2 = a[ao + i + 2]! - b[bo + i + 2]!
    const x3 = a[ao + i + 3]! - b[bo + i + 3]!
    s0 += x0 * x0
    s1 += x1 * x1
    s2 += x2 * x2
    s3 += x3 * x3
  }
  for (; i < d; i++) {
    const x = a[ao + i]! - b[bo + i]!
    s0 += x * x
  }
  return s0 + s1 + (s2 + s3)
}

/** Squared norm of `a[ao..ao+d)`. */
export function normSq(a: Float32Array, ao: number, d: number): number {
  return dot(a, ao, a, ao, d)
}

/**
 * Scales `a[ao..ao+d)` to unit length in place; a zero row stays zero.
 * @returns the norm before scaling
 */
export function normalizeInPlace(a: Float32Array, ao: number, d: number): number {
  const n = Math.sqrt(normSq(a, ao, d))
  if (n > 0) {
    const inv = 1 / n
    for (let i = 0; i < d; i++) a[ao + i]! *= inv
  }
  return n
}
