import type { R2Bucket, R2Object } from '@cloudflare/workers-types'
import { z } from 'zod'
import { ApiError } from './errors.ts'
import { RETRY_AFTER_SECONDS } from './limits.ts'

/**
 * What `heads/<name>.json` in R2 records about the artifact set served under a name: the files
 * live under `sets/<name>/<version>/`, and `meta` is what the worker derived from the set when it
 * validated it (so listing needs no load).
 */
export interface SetHead<Meta = unknown> {
  name: string
  /** Upload id; the files live under `sets/<name>/<version>/`. */
  version: string
  uploadedAt: string
  /** Sum of the file sizes. */
  bytes: number
  files: { name: string; bytes: number; sha256: string }[]
  meta?: Meta
}

const fileEntry = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
})

/** Hex SHA-256 of bytes. */
export async function sha256Hex(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data))
  let out = ''
  for (const b of digest) out += b.toString(16).padStart(2, '0')
  return out
}

/** A 503 that clients should retry. */
export function unavailable(code: string, message: string, cause?: unknown): ApiError {
  return new ApiError(503, code, message, {
    cause,
    headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
  })
}

/** Runs an R2 call; a storage failure becomes a 503 `STORAGE_UNAVAILABLE` (with `Retry-After`), not a 500. */
export async function r2<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (cause) {
    if (cause instanceof ApiError) throw cause
    throw unavailable('STORAGE_UNAVAILABLE', `storage failed while ${what}; retry shortly`, cause)
  }
}

/** Names the kind of set in messages and codes, e.g. `{ noun: 'model', notFound: 'MODEL_NOT_FOUND', unavailable: 'MODEL_UNAVAILABLE' }`. */
export interface SetKind<Meta> {
  noun: string
  notFound: string
  unavailable: string
  /** Checks `meta` of a head read back from R2. */
  meta: z.ZodType<Meta>
}

/**
 * Versioned artifact sets in one R2 bucket: `heads/<name>.json` points at the files of the set
 * served under `name` in `sets/<name>/<version>/`. A new set is written under a fresh version and
 * the head swapped with a conditional write, so readers never see half a set and of two
 * concurrent uploads one wins (409 for the other, whose files are removed).
 */
export class ArtifactSets<Meta> {
  readonly kind: SetKind<Meta>
  readonly #headSchema: z.ZodType<SetHead<Meta>>

  constructor(kind: SetKind<Meta>) {
    this.kind = kind
    this.#headSchema = z.object({
      name: z.string().min(1),
      version: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
      uploadedAt: z.string(),
      bytes: z.number().int().nonnegative(),
      files: z.array(fileEntry).min(1),
      meta: kind.meta.optional(),
    }) as unknown as z.ZodType<SetHead<Meta>>
  }

  static headKey(name: string): string {
    return `heads/${name}.json`
  }

  static fileKey(name: string, version: string, file: string): string {
    return `sets/${name}/${version}/${file}`
  }

  notFound(name: string): ApiError {
    return new ApiError(404, this.kind.notFound, `no ${this.kind.noun} named "${name}"`, { field: 'name' })
  }

  /** Reads and checks a head record; a malformed one means the stored set cannot be served (503). */
  async #readHead(obj: { json(): Promise<unknown> }, name: string): Promise<SetHead<Meta>> {
    let value: unknown
    try {
      value = await obj.json()
    } catch (cause) {
      if (cause instanceof SyntaxError) {
        throw new ApiError(
          503,
          this.kind.unavailable,
          `${this.kind.noun} "${name}": its head record is not JSON`,
          {
            cause,
          },
        )
      }
      throw unavailable('STORAGE_UNAVAILABLE', `storage failed while reading the head of "${name}"`, cause)
    }
    const parsed = this.#headSchema.safeParse(value)
    if (!parsed.success || parsed.data.name !== name) {
      throw new ApiError(
        503,
        this.kind.unavailable,
        `${this.kind.noun} "${name}": its head record in storage is malformed`,
      )
    }
    return parsed.data
  }

  /** Heads of every stored set, sorted by name; malformed heads are left out (their names answer 503). */
  async list(bucket: R2Bucket): Promise<SetHead<Meta>[]> {
    const heads: SetHead<Meta>[] = []
    let cursor: string | undefined
    do {
      const page = await r2(`listing ${this.kind.noun}s`, () =>
        bucket.list({ prefix: 'heads/', cursor, limit: 1000 }),
      )
      const got = await r2(`listing ${this.kind.noun}s`, () =>
        Promise.all(page.objects.map((o) => bucket.get(o.key))),
      )
      for (const [i, obj] of got.entries()) {
        if (!obj) continue
        const name = page.objects[i]!.key.slice('heads/'.length, -'.json'.length)
        const head = await this.#readHead(obj, name).catch((e: unknown) => {
          if (e instanceof ApiError && e.code === this.kind.unavailable) return undefined
          throw e
        })
        if (head) heads.push(head)
      }
      cursor = page.truncated ? page.cursor : undefined
    } while (cursor)
    return heads.sort((a, b) => a.name.localeCompare(b.name))
  }

  /** The head of `name`, or a 404. */
  async head(bucket: R2Bucket, name: string): Promise<SetHead<Meta>> {
    const obj = await r2(`reading the head of "${name}"`, () => bucket.get(ArtifactSets.headKey(name)))
    if (!obj) throw this.notFound(name)
    return this.#readHead(obj, name)
  }

  /** Every file of the set `head` points at, as bytes; a missing one is a 503. */
  async read(bucket: R2Bucket, head: SetHead<Meta>): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
    const files = new Map<string, Uint8Array<ArrayBuffer>>()
    await Promise.all(
      head.files.map(async (f) => {
        const where = `reading ${f.name} of "${head.name}"`
        const obj = await r2(where, () => bucket.get(ArtifactSets.fileKey(head.name, head.version, f.name)))
        if (!obj) {
          throw new ApiError(
            503,
            this.kind.unavailable,
            `${this.kind.noun} "${head.name}": file ${f.name} is missing from storage`,
          )
        }
        files.set(f.name, new Uint8Array(await r2(where, () => obj.arrayBuffer())))
      }),
    )
    return files
  }

  /**
   * Stores a set that the caller has validated whole under a new version and points `name` at
   * it; the replaced version's files are removed by `cleanup`. A failed write leaves the previous
   * set serving.
   */
  async store(
    bucket: R2Bucket,
    name: string,
    files: Map<string, Uint8Array<ArrayBuffer>>,
    meta: Meta,
  ): Promise<{ head: SetHead<Meta>; replaced: SetHead<Meta> | undefined; cleanup: Promise<unknown> }> {
    let bytes = 0
    for (const data of files.values()) bytes += data.byteLength
    const version = `${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`
    const head: SetHead<Meta> = {
      name,
      version,
      uploadedAt: new Date().toISOString(),
      bytes,
      files: [],
      meta,
    }
    for (const [file, data] of files)
      head.files.push({ name: file, bytes: data.byteLength, sha256: await sha256Hex(data) })
    head.files.sort((a, b) => a.name.localeCompare(b.name))
    const key = ArtifactSets.headKey(name)
    const previous = await r2(`reading the head of "${name}"`, () => bucket.get(key))
    const replaced = previous ? await this.#readHead(previous, name).catch(() => undefined) : undefined
    const remove = () =>
      bucket.delete(head.files.map((f) => ArtifactSets.fileKey(name, version, f.name))).catch(() => {})
    let written: R2Object | null
    try {
      await Promise.all(
        head.files.map((f) =>
          bucket.put(ArtifactSets.fileKey(name, version, f.name), files.get(f.name)!, { sha256: f.sha256 }),
        ),
      )
      written = await bucket.put(key, JSON.stringify(head), {
        httpMetadata: { contentType: 'application/json' },
        customMetadata: { version },
        onlyIf: previous ? { etagMatches: previous.etag } : { etagDoesNotMatch: '*' },
      })
    } catch (cause) {
      await remove()
      throw unavailable(
        'STORAGE_UNAVAILABLE',
        `storing ${this.kind.noun} "${name}" failed; the previous set still serves`,
        cause,
      )
    }
    if (written === null) {
      await remove()
      throw new ApiError(
        409,
        'CONFLICT',
        `another upload to "${name}" finished first; this one was not stored (retry to replace it)`,
        { field: 'name' },
      )
    }
    const cleanup = replaced
      ? bucket
          .delete(replaced.files.map((f) => ArtifactSets.fileKey(name, replaced.version, f.name)))
          .catch(() => {})
      : Promise.resolve()
    return { head, replaced, cleanup }
  }
}

/** One loaded set held in isolate memory. */
interface Entry<T> {
  version: string
  value: T
  memoryBytes: number
  lastUsed: number
  checkedAt: number
}

/**
 * Loaded sets kept in isolate memory within a byte budget: least recently used go first, loads
 * and upload bodies in flight count against the budget too (a claim that does not fit next to
 * others in flight is a 503 `OVERLOADED`), concurrent first requests share one load, and a cached
 * set is re-checked against its head every `revalidateMs`.
 */
export class MemoryCache<T> {
  readonly #entries = new Map<string, Entry<T>>()
  readonly #loading = new Map<string, Promise<Entry<T>>>()
  #reserved = 0
  readonly revalidateMs: number

  constructor(options: { revalidateMs?: number } = {}) {
    this.revalidateMs = options.revalidateMs ?? 10_000
  }

  /** Estimated bytes of loaded sets plus claims in flight. */
  memoryInUse(): number {
    let total = this.#reserved
    for (const e of this.#entries.values()) total += e.memoryBytes
    return total
  }

  isLoaded(name: string): boolean {
    return this.#entries.has(name)
  }

  /** Claims `bytes` of `budget`, evicting least recently used sets first; returns the release function. */
  reserve(bytes: number, budget: number): () => void {
    this.evict(budget - this.#reserved - bytes)
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

  /** Drops least recently used sets until at most `budget` bytes stay loaded. */
  evict(budget: number): void {
    let total = 0
    for (const e of this.#entries.values()) total += e.memoryBytes
    const byAge = [...this.#entries.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed)
    for (const [key, e] of byAge) {
      if (total <= budget) break
      this.#entries.delete(key)
      total -= e.memoryBytes
    }
  }

  /** Forgets `name` (after a replacement). */
  drop(name: string): void {
    this.#entries.delete(name)
  }

  /** Remembers a value loaded elsewhere (e.g. the set an upload just validated). */
  remember(name: string, version: string, value: T, memoryBytes: number, budget: number): void {
    this.#entries.delete(name)
    this.evict(budget - memoryBytes)
    const now = Date.now()
    this.#entries.set(name, { version, value, memoryBytes, lastUsed: now, checkedAt: now })
  }

  /**
   * The loaded value of `name`: from memory while fresh; otherwise `current()` names the version
   * being served and, when it differs from the cached one, `load(version)` loads it within the
   * budget (`memoryBytes` claimed for the load).
   */
  async get(
    name: string,
    current: () => Promise<{ version: string; memoryBytes: number }>,
    load: (version: string) => Promise<T>,
    budget: number,
  ): Promise<{ value: T; memoryBytes: number; loaded: boolean }> {
    const now = Date.now()
    const cached = this.#entries.get(name)
    if (cached && now - cached.checkedAt < this.revalidateMs) {
      cached.lastUsed = now
      return { value: cached.value, memoryBytes: cached.memoryBytes, loaded: false }
    }
    const pending = this.#loading.get(name)
    if (pending) {
      const e = await pending
      return { value: e.value, memoryBytes: e.memoryBytes, loaded: true }
    }
    const run = (async (): Promise<Entry<T>> => {
      let want: { version: string; memoryBytes: number }
      try {
        want = await current()
      } catch (err) {
        this.#entries.delete(name)
        throw err
      }
      if (cached && cached.version === want.version) {
        cached.checkedAt = Date.now()
        cached.lastUsed = cached.checkedAt
        return cached
      }
      this.#entries.delete(name)
      const release = this.reserve(want.memoryBytes, budget)
      try {
        const value = await load(want.version)
        const at = Date.now()
        const entry: Entry<T> = {
          version: want.version,
          value,
          memoryBytes: want.memoryBytes,
          lastUsed: at,
          checkedAt: at,
        }
        this.#entries.set(name, entry)
        return entry
      } finally {
        release()
      }
    })().finally(() => this.#loading.delete(name))
    this.#loading.set(name, run)
    const entry = await run
    return { value: entry.value, memoryBytes: entry.memoryBytes, loaded: entry !== cached }
  }
}
