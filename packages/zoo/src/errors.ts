/** Every way @frugal/zoo refuses input; stable strings that callers may switch on. */
export type ZooErrorCode =
  /** No model of that name in the zoo. */
  | 'UNKNOWN_MODEL'
  /** A file listed in the manifest is absent. */
  | 'MISSING_FILE'
  /** A file's bytes or SHA-256 differ from the manifest. */
  | 'CHECKSUM_MISMATCH'
  /** A model directory holds a file the manifest does not list. */
  | 'UNLISTED_FILE'
  /** The manifest itself does not match its schema; the message names the field. */
  | 'INVALID_MANIFEST'
  /** A model directory lacks a file of the Hugging Face layout or holds one that does not parse. */
  | 'INVALID_LAYOUT'

/** The one error class of @frugal/zoo: a `code` from {@link ZooErrorCode}. */
export class ZooError extends Error {
  readonly code: ZooErrorCode
  constructor(code: ZooErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ZooError'
    this.code = code
  }
}
