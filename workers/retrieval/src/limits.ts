import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { type AppEnv, byteLimit, DEFAULT_CACHE_BUDGET_BYTES, DEFAULT_MAX_INDEX_BYTES } from './env.ts'
import { ApiError } from './errors.ts'
import { estimateMemory } from './store.ts'

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

/** The upload limit follows `MAX_INDEX_BYTES`. */
export function limitUpload(): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const maxSize = limitsOf(c.env).maxIndexBytes + UPLOAD_OVERHEAD_BYTES
    return bodyLimit({ maxSize, onError: tooLarge(maxSize) })(c, next)
  }
}
