import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** Every error code the gateway itself answers with; stable strings clients may switch on. */
export type GatewayErrorCode =
  /** No route owns the path; it was not forwarded. */
  | 'NOT_FOUND'
  /** The route's service binding is absent from this deployment. */
  | 'SERVICE_NOT_BOUND'
  /** The bound service threw or could not be reached. */
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL'

/** The JSON body of every error response (the same shape as the APIs behind the gateway). */
export interface ErrorBody {
  error: { code: GatewayErrorCode | string; message: string }
}

/** The one error class of the gateway: an HTTP status, a stable code and a message for clients. */
export class GatewayError extends Error {
  readonly status: ContentfulStatusCode
  readonly code: GatewayErrorCode
  constructor(status: ContentfulStatusCode, code: GatewayErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'GatewayError'
    this.status = status
    this.code = code
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } }
  }
}
