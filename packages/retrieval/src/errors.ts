/** Every way @frugal/retrieval refuses input; stable strings that callers may switch on. */
export type RetrievalErrorCode =
  /** A file named by the manifest (or the manifest itself) is not in the set. */
  | 'MISSING_FILE'
  /** `manifest.json` is not valid JSON or misses/mistypes a field. */
  | 'BAD_MANIFEST'
  /** The manifest or an artifact has a format version this build cannot read. */
  | 'UNSUPPORTED_VERSION'
  /** A file's size differs from the size recorded in the manifest. */
  | 'SIZE_MISMATCH'
  /** A file's SHA-256 differs from the checksum recorded in the manifest. */
  | 'CHECKSUM_MISMATCH'
  /** A file passed its checksum but its content is inconsistent (wrong magic, rows, dims...). */
  | 'CORRUPT'
  /** A search request is invalid; `field` names the offending field. */
  | 'INVALID_QUERY'
  /** A query vector's length differs from the index dims. */
  | 'DIMENSION_MISMATCH'
  /** A text query needs an embedder, but the set has none that runs here. */
  | 'NO_EMBEDDER'
  /** Invalid options given to a builder. */
  | 'INVALID_ARGUMENT'

/** The one error class of @frugal/retrieval: a `code`, the offending `file` or `field`, and an optional `cause`. */
export class RetrievalError extends Error {
  readonly code: RetrievalErrorCode
  /** The index-set file that was refused, when the error is about a file. */
  readonly file: string | undefined
  /** The request field that was refused, when the error is about a search request. */
  readonly field: string | undefined
  constructor(
    code: RetrievalErrorCode,
    message: string,
    options?: ErrorOptions & { file?: string; field?: string },
  ) {
    super(message, options)
    this.name = 'RetrievalError'
    this.code = code
    this.file = options?.file
    this.field = options?.field
  }
}
