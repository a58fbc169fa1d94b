import type { Fetcher, R2Bucket } from '@cloudflare/workers-types'

/** The worker's bindings (wrangler.jsonc `r2_buckets` and `vars`, plus the upload secret). */
export interface Bindings {
  /** R2 bucket holding the uploaded index sets. */
  INDEXES: R2Bucket
  /** Static assets (`.assets/`): the API reference page's script. */
  ASSETS?: Fetcher
  /** Bearer token that `PUT /v1/indexes/{name}` requires (`wrangler secret put UPLOAD_TOKEN`). */
  UPLOAD_TOKEN?: string
  /** Largest index set (sum of its artifact bytes) this worker accepts and loads. */
  MAX_INDEX_BYTES?: string
  /** Bytes of loaded index sets kept in isolate memory at once; least recently used go first. */
  CACHE_BUDGET_BYTES?: string
  /** Requests one isolate works on at once; more are refused at once with 503 `OVERLOADED`. */
  MAX_CONCURRENT_REQUESTS?: string
}

export type AppEnv = { Bindings: Bindings }

/**
 * Default: 40 MiB of artifacts, whose loaded form (about 2.4 bytes of heap per artifact byte,
 * see `MEMORY_PER_ARTIFACT_BYTE`) stays within the 96 MiB cache budget (README "Limits").
 */
export const DEFAULT_MAX_INDEX_BYTES = 40 * 1024 * 1024
/** Default heap for loaded sets: 96 MiB of the 128 MB isolate, the rest for the runtime and requests. */
export const DEFAULT_CACHE_BUDGET_BYTES = 96 * 1024 * 1024

/**
 * Default bound of requests in flight per isolate. A search takes milliseconds of CPU, so 32
 * queued requests wait well under a second; past that a client is better served by a fast 503
 * and `Retry-After` than by a timeout, and the accepted requests keep their latency.
 */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 32

/** Reads a positive integer variable, falling back to `fallback` when unset or not a number. */
export function byteLimit(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback
  const n = Number(value)
  return Number.isSafeInteger(n) && n > 0 ? n : fallback
}
