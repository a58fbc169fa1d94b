import type { R2Bucket, R2Object } from '@cloudflare/workers-types'
import kernels from '@frugal/ann/kernels.wasm'
import { loadIndexSet, RetrievalError, type RetrievalIndex, sha256Hex } from '@frugal/retrieval'
import { z } from 'zod'
import { ApiError } from './errors.ts'

/** What `heads/<name>.json` in R2 records about the artifact set being served under a name. */
export interface IndexHead {
  name: string
  /** Upload id; the files live under `sets/<name>/<version>/`. */
  version: string
  uploadedAt: string
  /** Sum of the file sizes. */
  bytes: number
  files: { name: string; bytes: number; sha256: string }[]
}

const headSchema = z.object({
  name: z.string().min(1),
  version: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
  uploadedAt: z.string(),
  bytes: z.number().int().nonnegative(),
  files: z
    .array(
      z.object({
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/),
        bytes: z.number().int().nonnegative(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
      }),
    )
    .min(1),
})

/** Seconds a client is asked to wait (`Retry-After`) after a 503 for a transient condition. */
export const RETRY_AFTER_SECONDS = 1

/** A 503 that clients should retry: storage did not answer, or memory is taken by loads in flight. */
function unavailable(code: string, message: string, cause?: unknown): ApiError {
  return new ApiError(503, code, message, {
    cause,
    headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
  })
}

/** Runs an R2 call; a storage failure becomes a 503 `STORAGE_UNAVAILABLE` (with `Retry-After`), not a 500. */
async function r2<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (cause) {
    if (cause instanceof ApiError) throw cause
    throw unavailable('STORAGE_UNAVAILABLE', `index storage failed while ${what}; retry shortly`, cause)
  }
}

/** Reads and checks a head record; a malformed one means the stored set cannot be served (503). */
async function readHead(obj: { json(): Promise<unknown> }, name: string): Promise<IndexHead> {
  const value = await r2(`reading the head of "${name}"`, () => obj.json()).catch((cause: unknown) => {
    if (
      cause instanceof ApiError &&
      cause.code === 'STORAGE_UNAVAILABLE' &&
      cause.cause instanceof SyntaxError
    ) {
      throw new ApiError(503, 'INDEX_UNAVAILABLE', `index "${name}": its head record is not JSON`, { cause })
    }
    throw cause
  })
  const parsed = headSchema.safeParse(value)
  if (!parsed.success || parsed.data.name !== name) {
    throw new ApiError(503, 'INDEX_UNAVAILABLE', `index "${name}": its head record in storage is malformed`)
  }
  return parsed.data
}

/** A loaded set held in isolate memory. */
interface Entry {
  head: IndexHead
  index: RetrievalIndex
  /** Estimated bytes the loaded structures occupy (see {@link estimateMemory}). */
  memoryBytes: number
  lastUsed: number
  checkedAt: number
}

/** How long a cached set is served before R2 is asked again whether it was replaced. */
export const REVALIDATE_MS = 10_000

const headKey = (name: string) => `heads/${name}.json`
const fileKey = (name: string, version: string, file: string) => `sets/${name}/${version}/${file}`

/**
 * Heap a loaded set retains per byte of its artifacts. Measured with V8 (Node 22,
 * `process.memoryUsage()` after a forced GC) on the default State of the Union set: 45.3 MB of
 * files retain 105 MB once loaded (documents as strings, the MiniSearch index rebuilt from its
 * JSON, the LSA projection and the ANN arrays), i.e. 2.32; rounded up for headroom.
 */
export const MEMORY_PER_ARTIFACT_BYTE = 2.4

/** Estimated heap of a loaded set whose artifacts hold `bytes` bytes. */
export function estimateMemory(bytes: number): number {
  return Math.ceil(bytes * MEMORY_PER_ARTIFACT_BYTE)
}

/** Turns a refusal by `loadIndexSet` into the 422 the client sees. */
export function artifactRejected(err: RetrievalError): ApiError {
  const where = err.file ? `${err.file}: ` : ''
  return new ApiError(422, 'ARTIFACT_REJECTED', `${where}${err.code}: ${err.message}`, {
    cause: err,
    field: err.file ?? 'files',
  })
}

/**
 * The index sets of one R2 bucket, loaded lazily on first use and kept in isolate memory within
 * a byte budget (least recently used sets are dropped first). One instance lives per isolate.
 */
export class IndexStore {
  readonly #entries = new Map<string, Entry>()
  readonly #loading = new Map<string, Promise<Entry>>()
  /** Estimated bytes of loads and uploads in flight: counted against the budget like loaded sets. */
  #reserved = 0

  /** Estimated bytes of loaded sets plus loads and upload bodies in flight. */
  memoryInUse(): number {
    let total = this.#reserved
    for (const e of this.#entries.values()) total += e.memoryBytes
    return total
  }

  /**
   * Claims `bytes` of the memory budget for a load or an upload body, evicting least recently
   * used sets to make room; returns the release function. When loads or uploads already in
   * flight leave too little room, it refuses with 503 `OVERLOADED` (and `Retry-After`) instead
   * of letting concurrent cold reads together exceed the isolate's memory. One claim alone is
   * always granted (`MAX_INDEX_BYTES` keeps a single set within the budget).
   */
  reserve(bytes: number, budget: number): () => void {
    this.#evict(budget - this.#reserved - bytes)
    if (this.#reserved > 0 && this.memoryInUse() + bytes > budget) {
      throw unavailable(
        'OVERLOADED',
        `loads and uploads in flight hold ${this.#reserved} bytes of this worker's ${budget}-byte memory budget; retry shortly`,
      )
    }
    this.#reserved += bytes
    let released = false
    return () => {
      if (released) return
      released = true
      this.#reserved -= bytes
    }
  }

  /** Names and heads of every stored set, from R2 (does not load anything). */
  async list(bucket: R2Bucket): Promise<IndexHead[]> {
    const heads: IndexHead[] = []
    let cursor: string | undefined
    do {
      const page = await r2('listing index sets', () =>
        bucket.list({ prefix: 'heads/', cursor, limit: 1000 }),
      )
      const got = await r2('listing index sets', () =>
        Promise.all(page.objects.map((o) => bucket.get(o.key))),
      )
      for (const [i, obj] of got.entries()) {
        if (!obj) continue
        const name = page.objects[i]!.key.slice('heads/'.length, -'.json'.length)
        // A malformed head is left out of the list (its name answers 503 when asked for).
        const head = await readHead(obj, name).catch((e: unknown) => {
          if (e instanceof ApiError && e.code === 'INDEX_UNAVAILABLE') return undefined
          throw e
        })
        if (head) heads.push(head)
      }
      cursor = page.truncated ? page.cursor : undefined
    } while (cursor)
    return heads.sort((a, b) => a.name.localeCompare(b.name))
  }

  /** The head of `name`, or a 404. */
  async head(bucket: R2Bucket, name: string): Promise<IndexHead> {
    const obj = await r2(`reading the head of "${name}"`, () => bucket.get(headKey(name)))
    if (!obj) throw notFound(name)
    return readHead(obj, name)
  }

  /**
   * One artifact of the set being served under `name`, straight from R2 (nothing is loaded),
   * with its entry in the head; 404 for an unknown set or a file the set does not have.
   */
  async file(
    bucket: R2Bucket,
    name: string,
    file: string,
  ): Promise<{ head: IndexHead; entry: IndexHead['files'][number]; open(): Promise<ReadableStream> }> {
    const head = await this.head(bucket, name)
    const entry = head.files.find((f) => f.name === file)
    if (!entry) {
      throw new ApiError(404, 'NOT_FOUND', `index "${name}" has no file "${file}"`, { field: 'file' })
    }
    const open = async () => {
      const obj = await bucket.get(fileKey(name, head.version, file))
      if (!obj) {
        throw new ApiError(503, 'INDEX_UNAVAILABLE', `index "${name}": file ${file} is missing from storage`)
      }
      return obj.body as unknown as ReadableStream
    }
    return { head, entry, open }
  }

  /** Whether this isolate holds `name` in memory. */
  isLoaded(name: string): boolean {
    return this.#entries.has(name)
  }

  /**
   * The loaded set `name`: from memory when its version is still current, else from R2.
   * Concurrent first requests share one load.
   */
  async get(
    bucket: R2Bucket,
    name: string,
    limits: { maxIndexBytes: number; cacheBudgetBytes: number },
  ): Promise<{ index: RetrievalIndex; head: IndexHead; memoryBytes: number; loaded: boolean }> {
    const now = Date.now()
    const cached = this.#entries.get(name)
    if (cached && now - cached.checkedAt < REVALIDATE_MS) {
      cached.lastUsed = now
      return { ...cached, loaded: false }
    }
    const pending = this.#loading.get(name)
    if (pending) return { ...(await pending), loaded: true }
    const load = this.#load(bucket, name, cached, limits).finally(() => this.#loading.delete(name))
    this.#loading.set(name, load)
    const entry = await load
    return { ...entry, loaded: entry !== cached }
  }

  async #load(
    bucket: R2Bucket,
    name: string,
    cached: Entry | undefined,
    limits: { maxIndexBytes: number; cacheBudgetBytes: number },
  ): Promise<Entry> {
    const headObj = await r2(`reading the head of "${name}"`, () => bucket.get(headKey(name)))
    if (!headObj) {
      this.#entries.delete(name)
      throw notFound(name)
    }
    const head = await readHead(headObj, name)
    if (cached && cached.head.version === head.version) {
      cached.checkedAt = Date.now()
      cached.lastUsed = cached.checkedAt
      return cached
    }
    if (head.bytes > limits.maxIndexBytes) {
      throw new ApiError(
        507,
        'INDEX_TOO_LARGE',
        `index "${name}" holds ${head.bytes} bytes of artifacts; this worker loads at most ${limits.maxIndexBytes} (MAX_INDEX_BYTES)`,
      )
    }
    // Make room first: the old version of this set and the least recently used others; the
    // claim counts this load against the budget until it is remembered (or fails).
    this.#entries.delete(name)
    const release = this.reserve(estimateMemory(head.bytes), limits.cacheBudgetBytes)
    try {
      const index = await this.#fetchAndLoad(bucket, name, head)
      return this.#remember(name, head, index)
    } finally {
      release()
    }
  }

  async #fetchAndLoad(bucket: R2Bucket, name: string, head: IndexHead): Promise<RetrievalIndex> {
    const files: Record<string, Uint8Array> = {}
    await Promise.all(
      head.files.map(async (f) => {
        const obj = await r2(`reading ${f.name} of "${name}"`, () =>
          bucket.get(fileKey(name, head.version, f.name)),
        )
        if (!obj) {
          throw new ApiError(
            503,
            'INDEX_UNAVAILABLE',
            `index "${name}": file ${f.name} is missing from storage`,
          )
        }
        files[f.name] = new Uint8Array(await r2(`reading ${f.name} of "${name}"`, () => obj.arrayBuffer()))
      }),
    )
    try {
      return await loadIndexSet(files, { kernels })
    } catch (err) {
      if (err instanceof RetrievalError) {
        throw new ApiError(
          503,
          'INDEX_UNAVAILABLE',
          `index "${name}" in storage does not load: ${err.message}`,
          {
            cause: err,
          },
        )
      }
      throw err
    }
  }

  #remember(name: string, head: IndexHead, index: RetrievalIndex): Entry {
    const now = Date.now()
    const entry: Entry = {
      head,
      index,
      memoryBytes: estimateMemory(head.bytes),
      lastUsed: now,
      checkedAt: now,
    }
    this.#entries.set(name, entry)
    return entry
  }

  /** Drops least recently used sets until at most `budget` bytes stay loaded. */
  #evict(budget: number): void {
    let total = 0
    for (const e of this.#entries.values()) total += e.memoryBytes
    const byAge = [...this.#entries.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed)
    for (const [key, e] of byAge) {
      if (total <= budget) break
      this.#entries.delete(key)
      total -= e.memoryBytes
    }
  }

  /**
   * Validates an uploaded set completely (`loadIndexSet`: manifest, sizes, SHA-256, magic,
   * versions, contents) and only then stores it under a new version and points `name` at it.
   * A refused upload writes nothing, so the previous set keeps serving.
   */
  async put(
    bucket: R2Bucket,
    name: string,
    files: Map<string, Uint8Array<ArrayBuffer>>,
    limits: { maxIndexBytes: number; cacheBudgetBytes: number },
  ): Promise<{ head: IndexHead; replaced: IndexHead | undefined; cleanup: Promise<unknown> }> {
    let bytes = 0
    for (const data of files.values()) bytes += data.byteLength
    if (bytes > limits.maxIndexBytes) {
      throw new ApiError(
        413,
        'INDEX_TOO_LARGE',
        `the set holds ${bytes} bytes of artifacts; this worker serves at most ${limits.maxIndexBytes} (MAX_INDEX_BYTES)`,
      )
    }
    // Validation loads the whole set: make room for it first (a rejected upload only costs the
    // evicted sets a reload from R2 on their next request).
    this.#evict(limits.cacheBudgetBytes - estimateMemory(bytes))
    let index: RetrievalIndex
    try {
      index = await loadIndexSet(Object.fromEntries(files), { kernels })
    } catch (err) {
      if (err instanceof RetrievalError) throw artifactRejected(err)
      throw err
    }
    const listed = new Set(['manifest.json', ...Object.keys(index.manifest.files)])
    for (const file of files.keys()) {
      if (!listed.has(file)) {
        throw new ApiError(422, 'ARTIFACT_REJECTED', `${file}: not listed in manifest.json`, { field: file })
      }
    }
    const version = `${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`
    const head: IndexHead = { name, version, uploadedAt: new Date().toISOString(), bytes, files: [] }
    for (const [file, data] of files)
      head.files.push({ name: file, bytes: data.byteLength, sha256: await sha256Hex(data) })
    head.files.sort((a, b) => a.name.localeCompare(b.name))
    // The head is swapped with a conditional write against the head this upload replaces: of
    // two concurrent uploads to one name only one wins, and the loser removes its own files
    // (otherwise the files of whichever head was overwritten would stay in storage for good).
    const previous = await r2(`reading the head of "${name}"`, () => bucket.get(headKey(name)))
    const replaced = previous ? await readHead(previous, name).catch(() => undefined) : undefined
    let written: R2Object | null
    try {
      await Promise.all(
        head.files.map((f) =>
          bucket.put(fileKey(name, version, f.name), files.get(f.name)!, { sha256: f.sha256 }),
        ),
      )
      written = await bucket.put(headKey(name), JSON.stringify(head), {
        httpMetadata: { contentType: 'application/json' },
        customMetadata: { version },
        onlyIf: previous ? { etagMatches: previous.etag } : { etagDoesNotMatch: '*' },
      })
    } catch (cause) {
      await bucket.delete(head.files.map((f) => fileKey(name, version, f.name))).catch(() => {})
      throw unavailable(
        'STORAGE_UNAVAILABLE',
        `storing index "${name}" failed; the previous set still serves`,
        cause,
      )
    }
    if (written === null) {
      await bucket.delete(head.files.map((f) => fileKey(name, version, f.name))).catch(() => {})
      throw new ApiError(
        409,
        'CONFLICT',
        `another upload to "${name}" finished first; this one was not stored (retry to replace it)`,
        { field: 'name' },
      )
    }
    this.#entries.delete(name)
    this.#evict(limits.cacheBudgetBytes - estimateMemory(bytes))
    this.#remember(name, head, index)
    const cleanup = replaced
      ? bucket.delete(replaced.files.map((f) => fileKey(name, replaced.version, f.name))).catch(() => {})
      : Promise.resolve()
    return { head, replaced, cleanup }
  }
}

function notFound(name: string): ApiError {
  return new ApiError(404, 'INDEX_NOT_FOUND', `no index named "${name}"`, { field: 'name' })
}
