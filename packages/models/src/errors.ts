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
  /** A safetensors tensor has a dtype the runtime does not read (it reads F32, F16, BF16). */
  | 'UNSUPPORTED_DTYPE'
  /** `config.json` does not match the schema of its architecture; the message names the field. */
  | 'INVALID_CONFIG'
  /** The weights disagree with the config (a missing, extra or mis-shaped tensor); the message names it. */
  | 'CONFIG_MISMATCH'
  /** `model_type` / `architectures` name an architecture this runtime does not implement. */
  | 'UNSUPPORTED_ARCHITECTURE'
  /** No model of that name in the zoo or the given directories. */
  | 'UNKNOWN_MODEL'
  /** `tokenizer.json` cannot be read, or text cannot be tokenized. */
  | 'TOKENIZER_FAILED'
  /** A prompt (plus the tokens to generate) does not fit the model's context. */
  | 'CONTEXT_OVERFLOW'
  /** A token id is outside the vocabulary. */
  | 'TOKEN_OUT_OF_RANGE'
  /** A reduction spec does not parse or asks for impossible values; the message names the part. */
  | 'INVALID_REDUCTION'
  /** A reduction or backend is valid but not available in this build or for this model. */
  | 'UNAVAILABLE'
  /** A layer hook returned tokens inconsistent with its input (shape, order, metadata). */
  | 'INVALID_HOOK_RESULT'

/** The one error class of @frugal/models: a `code` from {@link ModelErrorCode} and an optional `cause`. */
export class ModelError extends Error {
  readonly code: ModelErrorCode
  constructor(code: ModelErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ModelError'
    this.code = code
  }
}
