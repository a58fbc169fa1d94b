import type { Fetcher, R2Bucket } from '@cloudflare/workers-types'
import { byteLimit } from '@frugal/worker-shared'

/** The worker's bindings (wrangler.jsonc `r2_buckets` and `vars`, plus the upload secret). */
export interface Bindings {
  /** R2 bucket holding the uploaded model sets. */
  MODELS: R2Bucket
  /** The retrieval API (service binding), which `POST /v1/answer` retrieves passages from. */
  RETRIEVAL?: Fetcher
  /** Static assets (`.assets/`): the API reference page's script. */
  ASSETS?: Fetcher
  /** Bearer token that `PUT /v1/models/{name}` requires (`wrangler secret put UPLOAD_TOKEN`). */
  UPLOAD_TOKEN?: string
  /** Largest model set (sum of its file bytes) this worker accepts and loads. */
  MAX_MODEL_BYTES?: string
  /** Estimated heap of loaded models kept in isolate memory at once; least recently used go first. */
  CACHE_BUDGET_BYTES?: string
  /** Requests one isolate works on at once; more are refused at once with 503 `OVERLOADED`. */
  MAX_CONCURRENT_REQUESTS?: string
}

export type AppEnv = { Bindings: Bindings }

/**
 * Default: 32 MiB of model files. A model set's f32 weights take 4 bytes per parameter in
 * memory (f16/bf16 files are widened on load), so a 32 MiB f32 set is about 32 MiB of heap and
 * a 32 MiB f16 set about 64 MiB: either fits the 64 MiB cache budget on its own (README "Limits").
 */
export const DEFAULT_MAX_MODEL_BYTES = 32 * 1024 * 1024
/**
 * Default heap for loaded models: 64 MiB of the 128 MB isolate. The rest is for the runtime,
 * the WASM kernels' packed weight copies (capped at {@link WASM_WEIGHT_BYTES}), the upload body
 * in flight and the activations of the requests being served.
 */
export const DEFAULT_CACHE_BUDGET_BYTES = 64 * 1024 * 1024
/** Bytes of packed weight panels the WASM kernels keep (their instance memory); past it they repack. */
export const WASM_WEIGHT_BYTES = 16 * 1024 * 1024
/**
 * Default bound of requests in flight per isolate. A generation holds the CPU for tens to
 * hundreds of milliseconds, so a short queue is better answered with a fast 503 and `Retry-After`.
 */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 8

/** The limits in force for this request's bindings. */
export function limitsOf(env: Bindings): { maxModelBytes: number; cacheBudgetBytes: number } {
  const maxModelBytes = byteLimit(env.MAX_MODEL_BYTES, DEFAULT_MAX_MODEL_BYTES)
  // A set that may be uploaded must also fit the cache on its own (f16 widened: 2 x its bytes).
  const cacheBudgetBytes = Math.max(
    2 * maxModelBytes,
    byteLimit(env.CACHE_BUDGET_BYTES, DEFAULT_CACHE_BUDGET_BYTES),
  )
  return { maxModelBytes, cacheBudgetBytes }
}
