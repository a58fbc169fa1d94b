import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import {
  type AppEnv,
  byteLimit,
  DEFAULT_CACHE_BUDGET_BYTES,
  DEFAULT_MAX_CONCURRENT_REQUESTS,
  DEFAULT_MAX_INDEX_BYTES,
} from './env.ts'
import { ApiError } from './errors.ts'
import { estimateMemory, RETRY_AFTER_SECONDS } from './store.ts'

/** Largest `search` body: a 4096-number vector as JSON fits easily. */
export const SEARCH_BODY_BYTES = 128 * 1024
/** Largest `search:batch` body. */
export const BATCH_BODY_BYTES = 1024 * 1024
/** Room for tar headers / multipart boundaries on top of the artifacts themselves. */
const UPLOAD_OVERHEAD_BYTES = 256 * 1024

/** The byte limits in force for this request's bindings. */
export function limitsOf(env: AppEnv['Bindings']): { maxIndexBytes: number; cacheBudgetBytes: number } {
  const maxIndexBytes = byteLimit(env.MAX_INDEX_BYTES, DEFAULT_MAX_INDEX_BYTES)
  // A set that may be uploaded must also fit the cache on its own.
  const cacheBudgetBytes = Math.max(
    estimateMemory(maxIndexBytes),
    byteLimit(env.CACHE_BUDGET_BYTES, DEFAULT_CACHE_BUDGET_BYTES),
  )
  return { maxIndexBytes, cacheBudgetBytes }
}

function tooLarge(maxSize: number): () => never {
  return () => {
    throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `the request body exceeds ${maxSize} bytes`, {
      field: 'body',
    })
  }
}

/** Refuses bodies over `maxSize` bytes with a 413 before anything parses them. */
export function limitBody(maxSize: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({ maxSize, onError: tooLarge(maxSize) })
}

/** Largest upload body: `MAX_INDEX_BYTES` plus room for tar headers or multipart boundaries. */
export function uploadLimit(env: AppEnv['Bindings']): number {
  return limitsOf(env).maxIndexBytes + UPLOAD_OVERHEAD_BYTES
}

/** The upload limit follows `MAX_INDEX_BYTES`. */
export function limitUpload(): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const maxSize = uploadLimit(c.env)
    return bodyLimit({ maxSize, onError: tooLarge(maxSize) })(c, next)
  }
}

/**
 * Load shedding: at most `MAX_CONCURRENT_REQUESTS` requests of this app are worked on at once
 * in an isolate; one more is refused before its body is read, with 503 `OVERLOADED` and
 * `Retry-After`, so that under overload clients fail fast instead of queueing into timeouts.
 */
export function shedLoad(): MiddlewareHandler<AppEnv> {
  let inFlight = 0
  return async (c, next) => {
    const max = byteLimit(c.env.MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_CONCURRENT_REQUESTS)
    if (inFlight >= max) {
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
