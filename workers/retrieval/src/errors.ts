import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** Every error code the API answers with; stable strings that clients may switch on. */
export type ApiErrorCode =
  | 'INVALID_REQUEST'
  | 'MALFORMED_JSON'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'INDEX_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'ARTIFACT_REJECTED'
  | 'INDEX_TOO_LARGE'
  | 'INDEX_UNAVAILABLE'
  | 'STORAGE_UNAVAILABLE'
  | 'OVERLOADED'
  | 'CONFLICT'
  | 'INTERNAL'

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ApiErrorCode | string; message: string; field?: string }
}

/**
 * The one error class of the worker: an HTTP status, a stable `code`, a message meant for the
 * client and, for invalid input, the `field` at fault (a dotted path into the request).
 */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode
  readonly code: ApiErrorCode | string
  readonly field: string | undefined
  /** Response headers to send with the error (e.g. `Retry-After` on a 503). */
  readonly headers: Record<string, string>
  constructor(
    status: ContentfulStatusCode,
    code: ApiErrorCode | string,
    message: string,
    options?: ErrorOptions & { field?: string; headers?: Record<string, string> },
  ) {
    super(message, options)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = options?.field
    this.headers = options?.headers ?? {}
  }

  /** The response body; never includes a stack or a cause. */
  toBody(): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message }
    if (this.field !== undefined) error.field = this.field
    return { error }
  }
}

/** A 400 naming the field at fault. */
export function invalid(field: string, message: string): ApiError {
  return new ApiError(400, 'INVALID_REQUEST', `${field}: ${message}`, { field })
}
