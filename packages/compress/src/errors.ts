/** Every way @frugal/compress refuses input; stable strings that callers may switch on. */
export type CompressErrorCode =
  /** A count, ratio or option out of its range, or of the wrong type. */
  | 'INVALID_ARGUMENT'
  /** An array whose length disagrees with the shape given next to it. */
  | 'SHAPE_MISMATCH'
  /** NaN or ±Infinity where finite numbers are required. */
  | 'NOT_FINITE'

/** The one error class of @frugal/compress: a `code` from {@link CompressErrorCode} and an optional `cause`. */
export class CompressError extends Error {
  readonly code: CompressErrorCode
  constructor(code: CompressErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'CompressError'
    this.code = code
  }
}
