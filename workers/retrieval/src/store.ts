import type { R2Bucket } from '@cloudflare/workers-types'
import kernels from '@frugal/ann/kernels.wasm'
import { loadIndexSet, RetrievalError, type RetrievalIndex } from '@frugal/retrieval'
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

async function sha256Hex(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data))
  let hex = ''
  for (const b of digest) hex += b.toString(16).padStart(2, '0')
  return hex
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

  /** Names and heads of every stored set, from R2 (does not load anything). */
  async list(bucket: R2Bucket): Promise<IndexHead[]> {
    const heads: IndexHead[] = []
    let cursor: string | undefined
    do {
      const page = await bucket.list({ prefix: 'heads/', cursor, limit: 1000 })
      const got = await Promise.all(page.objects.map((o) => bucket.get(o.key)))
      for (const obj of got) if (obj) heads.push((await obj.json()) as IndexHead)
      cursor = page.truncated ? page.cursor : undefined
    } while (cursor)
    return heads.sort((a, b) => a.name.localeCompare(b.name))
  }

  /** The head of `name`, or a 404. */
  async head(bucket: R2Bucket, name: string): Promise<IndexHead> {
    const obj = await bucket.get(headKey(name))
    if (!obj) throw notFound(name)
    return (await obj.json()) as IndexHead
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
    const headObj = await bucket.get(headKey(name))
    if (!headObj) {
      this.#entries.delete(name)
      throw notFound(name)
    }
    const head = (await headObj.json()) as IndexHead
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
    // Make room first: the old version of this set and the least recently used others.
    this.#entries.delete(name)
    this.#evict(limits.cacheBudgetBytes - estimateMemory(head.bytes))
    const files: Record<string, Uint8Array> = {}
    await Promise.all(
      head.files.map(async (f) => {
        const obj = await bucket.get(fileKey(name, head.version, f.name))
        if (!obj) {
          throw new ApiError(
            503,
            'INDEX_UNAVAILABLE',
            `index "${name}": file ${f.name} is missing from storage`,
          )
        }
        files[f.name] = new Uint8Array(await obj.arrayBuffer())
      }),
    )
    let index: RetrievalIndex
    try {
      index = await loadIndexSet(files, { kernels })
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
    return this.#remember(name, head, index)
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
    const previous = await bucket.get(headKey(name))
    const replaced = previous ? ((await previous.json()) as IndexHead) : undefined
    try {
      await Promise.all(
        head.files.map((f) =>
          bucket.put(fileKey(name, version, f.name), files.get(f.name)!, { sha256: f.sha256 }),
        ),
      )
      await bucket.put(headKey(name), JSON.stringify(head), {
        httpMetadata: { contentType: 'application/json' },
        customMetadata: { version },
      })
    } catch (cause) {
      await bucket.delete(head.files.map((f) => fileKey(name, version, f.name))).catch(() => {})
      throw new ApiError(
        503,
        'INDEX_UNAVAILABLE',
        `storing index "${name}" failed; the previous set still serves`,
        {
          cause,
        },
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
