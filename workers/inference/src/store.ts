import type { R2Bucket } from '@cloudflare/workers-types'
import { useWasmKernels } from '@frugal/models'
import kernelsWasm from '@frugal/models/kernels.wasm'
import { ApiError, ArtifactSets, MemoryCache, type SetHead } from '@frugal/worker-shared'
import { WASM_WEIGHT_BYTES } from './env.ts'
import { type LoadedSet, loadModelSet, type ModelMeta, modelMetaSchema } from './model-set.ts'

export type ModelHead = SetHead<ModelMeta>

/** The limits a store call works within (see `limitsOf`). */
export interface StoreLimits {
  maxModelBytes: number
  cacheBudgetBytes: number
}

let kernelsReady = false

/**
 * Every model of this isolate runs on the WASM SIMD kernels (`@frugal/models/kernels.wasm`, a
 * precompiled module in workerd), their packed weights capped at {@link WASM_WEIGHT_BYTES}.
 */
function ensureKernels(): void {
  if (kernelsReady) return
  useWasmKernels(kernelsWasm, { maxWeightBytes: WASM_WEIGHT_BYTES })
  kernelsReady = true
}

/**
 * The model sets of one R2 bucket (`heads/<name>.json` → `sets/<name>/<version>/…`), loaded
 * lazily on first use and kept in isolate memory within a byte budget (least recently used
 * dropped first). One instance lives per isolate.
 */
export class ModelStore {
  readonly sets = new ArtifactSets<ModelMeta>({
    noun: 'model',
    notFound: 'MODEL_NOT_FOUND',
    unavailable: 'MODEL_UNAVAILABLE',
    meta: modelMetaSchema,
  })
  readonly cache = new MemoryCache<{ head: ModelHead; set: LoadedSet }>()

  list(bucket: R2Bucket): Promise<ModelHead[]> {
    return this.sets.list(bucket)
  }

  head(bucket: R2Bucket, name: string): Promise<ModelHead> {
    return this.sets.head(bucket, name)
  }

  /** The loaded model `name`: from memory while current, else from R2 (concurrent requests share one load). */
  async get(
    bucket: R2Bucket,
    name: string,
    limits: StoreLimits,
  ): Promise<{ head: ModelHead; set: LoadedSet; loaded: boolean }> {
    ensureKernels()
    let head: ModelHead | undefined
    const { value, loaded } = await this.cache.get(
      name,
      async () => {
        head = await this.sets.head(bucket, name)
        if (head.bytes > limits.maxModelBytes) {
          throw new ApiError(
            507,
            'MODEL_TOO_LARGE',
            `model "${name}" holds ${head.bytes} bytes of files; this worker loads at most ${limits.maxModelBytes} (MAX_MODEL_BYTES)`,
          )
        }
        return { version: head.version, memoryBytes: head.meta?.memoryBytes ?? 4 * head.bytes }
      },
      async () => {
        const files = await this.sets.read(bucket, head!)
        try {
          return { head: head!, set: await loadModelSet(files) }
        } catch (err) {
          if (err instanceof ApiError && err.code === 'ARTIFACT_REJECTED') {
            throw new ApiError(
              503,
              'MODEL_UNAVAILABLE',
              `model "${name}" in storage does not load: ${err.message}`,
              {
                cause: err,
              },
            )
          }
          throw err
        }
      },
      limits.cacheBudgetBytes,
    )
    return { ...value, loaded }
  }

  /**
   * Validates an uploaded set whole (see `loadModelSet`) and only then stores it under a new
   * version and points `name` at it. A refused upload writes nothing; the previous set serves on.
   */
  async put(
    bucket: R2Bucket,
    name: string,
    files: Map<string, Uint8Array<ArrayBuffer>>,
    limits: StoreLimits,
  ): Promise<{ head: ModelHead; replaced: ModelHead | undefined; cleanup: Promise<unknown> }> {
    let bytes = 0
    for (const data of files.values()) bytes += data.byteLength
    if (bytes > limits.maxModelBytes) {
      throw new ApiError(
        413,
        'MODEL_TOO_LARGE',
        `the set holds ${bytes} bytes of files; this worker serves at most ${limits.maxModelBytes} (MAX_MODEL_BYTES)`,
        { field: 'files' },
      )
    }
    ensureKernels()
    const set = await loadModelSet(files)
    const stored = await this.sets.store(bucket, name, files, set.meta)
    this.cache.remember(
      name,
      stored.head.version,
      { head: stored.head, set },
      set.meta.memoryBytes,
      limits.cacheBudgetBytes,
    )
    return stored
  }
}
