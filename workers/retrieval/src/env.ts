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
}

export type AppEnv = { Bindings: Bindings }

/** Default: 48 MiB of artifacts, which the 128 MB isolate holds next to the upload copy (README). */
export const DEFAULT_MAX_INDEX_BYTES = 48 * 1024 * 1024
export const DEFAULT_CACHE_BUDGET_BYTES = 64 * 1024 * 1024

/** Reads a positive integer variable, falling back to `fallback` when unset or not a number. */
export function byteLimit(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback
  const n = Number(value)
  return Number.isSafeInteger(n) && n > 0 ? n : fallback
}
