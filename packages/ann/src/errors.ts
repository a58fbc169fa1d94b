/** Every way @frugal/ann refuses input; stable strings that callers may switch on. */
export type AnnErrorCode =
  | 'INVALID_ARGUMENT'
  | 'DIMENSION_MISMATCH'
  | 'NOT_FINITE'
  | 'NOT_TRAINED'
  | 'BAD_MAGIC'
  | 'UNSUPPORTED_VERSION'
  | 'TRUNCATED'
  | 'CHECKSUM_MISMATCH'
  | 'CORRUPT'
  | 'NO_FRONTIER'
  | 'UNREACHABLE_TARGET'
  /** An optional peer dependency that this (Node-only) feature needs is not installed. */
  | 'MISSING_DEPENDENCY'

/** The one error class of @frugal/ann: a `code` from {@link AnnErrorCode} and an optional `cause`. */
export class AnnError extends Error {
  readonly code: AnnErrorCode
  constructor(code: AnnErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'AnnError'
    this.code = code
  }
}
