/** Every way @frugal/datasets refuses input; stable strings that callers may switch on. */
export type DatasetErrorCode =
  /** A line is not valid JSON / TSV / Cranfield markup. */
  | 'PARSE_ERROR'
  /** A required field is missing or has the wrong type. */
  | 'MISSING_FIELD'
  /** A required file of a dataset is not there. */
  | 'MISSING_FILE'
  /** Two records share one id. */
  | 'DUPLICATE_ID'
  /** Invalid options. */
  | 'INVALID_ARGUMENT'

/** The one error class of @frugal/datasets; parse errors name the `file` and 1-based `line`. */
export class DatasetError extends Error {
  readonly code: DatasetErrorCode
  readonly file: string | undefined
  readonly line: number | undefined
  constructor(
    code: DatasetErrorCode,
    message: string,
    options?: ErrorOptions & { file?: string; line?: number },
  ) {
    const where =
      options?.file === undefined
        ? ''
        : `${options.file}${options.line === undefined ? '' : `:${options.line}`}: `
    super(`${where}${message}`, options)
    this.name = 'DatasetError'
    this.code = code
    this.file = options?.file
    this.line = options?.line
  }
}
