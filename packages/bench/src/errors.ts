/** Every way @frugal/bench refuses input or a target fails; stable strings that callers may switch on. */
export type BenchErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_JSON'
  | 'INVALID_RESULT'
  | 'TARGET_CRASHED'
  | 'TARGET_PROTOCOL'
  | 'TARGET_TIMEOUT'
  | 'TARGET_ERROR'
  | 'HTTP_ERROR'
  | 'TARGET_SHED'
  | 'TIME_BUDGET_EXCEEDED'
  | 'IO_ERROR'

/** Where a refused file or value went wrong, when that is known. */
export interface BenchErrorDetails {
  /** The file that was refused. */
  file?: string
  /** The dotted path of the first failing field, e.g. `metrics.latency_ms.p50`. */
  path?: string
}

/** The one error class of @frugal/bench: a `code` from {@link BenchErrorCode}, optional details and `cause`. */
export class BenchError extends Error {
  readonly code: BenchErrorCode
  readonly file: string | undefined
  readonly path: string | undefined
  constructor(code: BenchErrorCode, message: string, options?: ErrorOptions & BenchErrorDetails) {
    super(message, options)
    this.name = 'BenchError'
    this.code = code
    this.file = options?.file
    this.path = options?.path
  }
}
