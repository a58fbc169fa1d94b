/** Every way @frugal/models refuses input; stable strings that callers may switch on. */
export type ModelErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FINITE'
  /** An artifact was written by an incompatible analyzer or format. */
  | 'UNSUPPORTED_VERSION'
  /** An artifact passed its checksum but its header or sections are inconsistent. */
  | 'CORRUPT'
  /** A model directory lacks a file or cannot be loaded. */
  | 'MODEL_LOAD_FAILED'

/** The one error class of @frugal/models: a `code` from {@link ModelErrorCode} and an optional `cause`. */
export class ModelError extends Error {
  readonly code: ModelErrorCode
  constructor(code: ModelErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ModelError'
    this.code = code
  }
}
