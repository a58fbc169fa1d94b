import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { ApiError } from './errors.ts'

/** Seconds a client is asked to wait (`Retry-After`) after a 503 for a transient condition. */
export const RETRY_AFTER_SECONDS = 1

/** Reads a positive integer variable, falling back to `fallback` when unset or not a number. */
export function byteLimit(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback
  const n = Number(value)
  return Number.isSafeInteger(n) && n > 0 ? n : fallback
}

/** The 413 of a body over `maxSize` bytes, naming `field` (default `body`). */
export function tooLarge(maxSize: number, field = 'body'): () => never {
  return () => {
    throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `the request body exceeds ${maxSize} bytes`, { field })
  }
}

/** Refuses bodies over `maxSize` bytes with a 413 before anything parses them (streamed bodies too). */
export function limitBody(maxSize: number): MiddlewareHandler {
  return bodyLimit({ maxSize, onError: tooLarge(maxSize) })
}

/** Like {@link limitBody}, with the limit read from the request's bindings. */
export function limitBodyBy<E extends { Bindings: object }>(
  maxSize: (env: E['Bindings']) => number,
): MiddlewareHandler<E> {
  return (c, next) => {
    const max = maxSize(c.env)
    return bodyLimit({ maxSize: max, onError: tooLarge(max) })(c, next)
  }
}

/**
 * Load shedding: at most `max(env)` requests of this app are worked on at once in an isolate;
 * one more is refused before its body is read, with 503 `OVERLOADED` and `Retry-After`, so that
 * under overload clients fail fast instead of queueing into timeouts.
 */
export function shedLoad<E extends { Bindings: object }>(
  max: (env: E['Bindings']) => number,
): MiddlewareHandler<E> {
  let inFlight = 0
  return async (c, next) => {
    const limit = max(c.env)
    if (inFlight >= limit) {
      throw new ApiError(
        503,
        'OVERLOADED',
        `this worker is busy with ${inFlight} requests (MAX_CONCURRENT_REQUESTS); retry shortly`,
        { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } },
      )
    }
    inFlight++
    try {
      await next()
    } finally {
      inFlight--
    }
  }
}
