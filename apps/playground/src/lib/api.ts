/** Where the retrieval API is, relative to the page's origin (the gateway's routing table). */
export const RETRIEVAL_API = '/api/retrieval'

/** An error answered by an API (or by the gateway in front of it), as the user should read it. */
export class PlaygroundApiError extends Error {
  readonly status: number
  readonly code: string
  /** The request field at fault, when the API names one (`query`, `dims`, ...). */
  readonly field: string | undefined
  constructor(status: number, code: string, message: string, field?: string) {
    super(message)
    this.name = 'PlaygroundApiError'
    this.status = status
    this.code = code
    this.field = field
  }
}

/**
 * The error of a non-2xx response: the API's own `{ error: { code, message, field } }` when the
 * body has it, else the status line and the start of the body (never a blank message).
 */
export async function errorOf(res: Response): Promise<PlaygroundApiError> {
  const text = await res.text().catch(() => '')
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; field?: unknown } }
    const e = body.error
    if (e && typeof e.message === 'string') {
      return new PlaygroundApiError(
        res.status,
        typeof e.code === 'string' ? e.code : 'ERROR',
        e.message,
        typeof e.field === 'string' ? e.field : undefined,
      )
    }
  } catch {}
  const detail = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200)
  const line = `${res.status} ${res.statusText}`.trim()
  return new PlaygroundApiError(res.status, 'HTTP_ERROR', detail ? `${line}: ${detail}` : line)
}

/** A JSON answer and how long it took. */
export interface Timed<T> {
  data: T
  /** Round trip measured in the page (request sent to body parsed), in milliseconds. */
  ms: number
  /** `Server-Timing` entries of the response, by name, in milliseconds. */
  serverTiming: Record<string, number>
}

/** Parses `Server-Timing: search;dur=1.2, total;dur=3` into `{ search: 1.2, total: 3 }`. */
export function parseServerTiming(header: string | null): Record<string, number> {
  const out: Record<string, number> = {}
  if (!header) return out
  for (const entry of header.split(',')) {
    const [name, ...params] = entry.trim().split(';')
    const dur = params.map((p) => p.trim()).find((p) => p.startsWith('dur='))
    if (name && dur) {
      const value = Number(dur.slice(4))
      if (Number.isFinite(value)) out[name] = value
    }
  }
  return out
}

/** Fetches `path` under `base` as JSON, timing it; a non-2xx answer throws {@link PlaygroundApiError}. */
export async function fetchJson<T>(
  path: string,
  init: RequestInit = {},
  base = RETRIEVAL_API,
  fetcher: typeof fetch = fetch,
): Promise<Timed<T>> {
  const started = performance.now()
  let res: Response
  try {
    res = await fetcher(`${base}${path}`, init)
  } catch (err) {
    throw new PlaygroundApiError(0, 'NETWORK', `The request did not reach the API: ${(err as Error).message}`)
  }
  if (!res.ok) throw await errorOf(res)
  const data = (await res.json()) as T
  return {
    data,
    ms: performance.now() - started,
    serverTiming: parseServerTiming(res.headers.get('server-timing')),
  }
}
