import { CompressError } from './errors.ts'

/** Refuses anything but a non-negative safe integer (or one ≥ `min`). */
export function checkCount(name: string, value: number, min = 0): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new CompressError('INVALID_ARGUMENT', `${name} must be an integer >= ${min}, got ${value}`)
  }
}

/** Refuses a ratio outside [0, 1]. */
export function checkRatio(name: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new CompressError('INVALID_ARGUMENT', `${name} must be a number in [0, 1], got ${value}`)
  }
}

/** Refuses a typed array whose length is not `expected` (the product of the shape named in `shape`). */
export function checkLength(name: string, array: ArrayLike<number>, expected: number, shape: string): void {
  if (array.length !== expected) {
    throw new CompressError(
      'SHAPE_MISMATCH',
      `${name} must hold ${shape} = ${expected} values, got ${array.length}`,
    )
  }
}

/** Refuses a Float32Array holding NaN or ±Infinity, naming the first bad index. */
export function checkFinite(name: string, array: Float32Array): void {
  for (let i = 0; i < array.length; i++) {
    if (!Number.isFinite(array[i]!)) {
      throw new CompressError('NOT_FINITE', `${name}[${i}] is ${array[i]}, expected a finite number`)
    }
  }
}

/** Refuses an index list with a value outside [0, n) or a repeat. */
export function checkIndexSet(name: string, indices: ArrayLike<number>, n: number): void {
  const seen = new Uint8Array(n)
  for (let i = 0; i < indices.length; i++) {
    const t = indices[i]!
    if (!Number.isInteger(t) || t < 0 || t >= n) {
      throw new CompressError('INVALID_ARGUMENT', `${name}[${i}] = ${t} is not a token index in [0, ${n})`)
    }
    if (seen[t]) throw new CompressError('INVALID_ARGUMENT', `${name} lists token ${t} twice`)
    seen[t] = 1
  }
}
