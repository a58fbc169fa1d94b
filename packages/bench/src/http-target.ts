import { BenchError } from './errors.ts'
import { checkOutputs, type Target } from './target.ts'

/** Options of {@link httpTarget}. */
export interface HttpTargetOptions {
  url: string
  /** HTTP method; `POST` by default. */
  method?: string
  headers?: Record<string, string>
  /**
   * The request body. The placeholder `{{inputs}}` is replaced by the JSON array of the batch and
   * `{{input}}` by the first input (for endpoints that take one item). Default: `{{inputs}}`.
   */
  body?: string
  /**
   * Where the outputs are in the JSON response: a dotted path such as `results` or `data.hits`;
   * empty (the default) means the response itself is the array. With `{{input}}` in the body the
   * response (at that path) is taken as the single output.
   */
  outputsPath?: string
  /** Milliseconds before a request is abandoned as `TARGET_TIMEOUT`. Default 30 000. */
  timeoutMs?: number
  /** A process to watch for memory and CPU (e.g. a local server's pid). */
  pid?: number
}

/**
 * Measures an HTTP endpoint with `fetch`, which keeps connections alive between requests.
 * @example
 * const target = httpTarget({ url: 'http://127.0.0.1:8787/search', body: '{"queries":{{inputs}}}', outputsPath: 'results' })
 */
export function httpTarget(options: HttpTargetOptions): Target {
  let url: URL
  try {
    url = new URL(options.url)
  } catch (cause) {
    throw new BenchError('INVALID_ARGUMENT', `url: not a valid URL: ${options.url}`, { cause })
  }
  const method = (options.method ?? 'POST').toUpperCase()
  const template = options.body ?? '{{inputs}}'
  const single = template.includes('{{input}}')
  if (method !== 'GET' && method !== 'HEAD' && !single && !template.includes('{{inputs}}')) {
    throw new BenchError('INVALID_ARGUMENT', 'body: the template must contain {{inputs}} or {{input}}')
  }
  const path = (options.outputsPath ?? '').split('.').filter(Boolean)
  const timeoutMs = options.timeoutMs ?? 30_000
  const headers = { 'content-type': 'application/json', ...options.headers }
  const description = `${method} ${url.href}`

  return {
    kind: 'http',
    description,
    pid: options.pid,
    async request(batch) {
      if (single && batch.length !== 1) {
        throw new BenchError('INVALID_ARGUMENT', 'body: a {{input}} template takes batches of exactly 1')
      }
      const body = template
        .replaceAll('{{inputs}}', JSON.stringify(batch))
        .replaceAll('{{input}}', JSON.stringify(batch[0]))
      let response: Response
      try {
        response = await fetch(url, {
          method,
          headers,
          signal: AbortSignal.timeout(timeoutMs),
          ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
        })
      } catch (cause) {
        const timedOut = (cause as Error).name === 'TimeoutError'
        // fetch says only "fetch failed"; the reason (ECONNREFUSED, ...) is in its cause.
        const inner = (cause as { cause?: { code?: string; message?: string } }).cause
        const reason = inner ? ` (${inner.code ?? inner.message})` : ''
        throw new BenchError(
          timedOut ? 'TARGET_TIMEOUT' : 'HTTP_ERROR',
          timedOut
            ? `${description}: no response within ${timeoutMs} ms`
            : `${description}: ${(cause as Error).message}${reason}`,
          { cause },
        )
      }
      const text = await response.text()
      const retryAfter = response.headers.get('retry-after')
      if ((response.status === 503 || response.status === 429) && retryAfter !== null) {
        // The server refused the request to shed load: a Poisson run counts it apart from errors.
        throw new BenchError(
          'TARGET_SHED',
          `${description}: HTTP ${response.status} (Retry-After ${retryAfter}): ${text.slice(0, 200)}`,
        )
      }
      if (!response.ok) {
        throw new BenchError('HTTP_ERROR', `${description}: HTTP ${response.status}: ${text.slice(0, 200)}`)
      }
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (cause) {
        throw new BenchError(
          'TARGET_PROTOCOL',
          `${description}: the response is not JSON: ${text.slice(0, 200)}`,
          {
            cause,
          },
        )
      }
      for (const key of path) {
        value =
          value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined
      }
      if (single) {
        if (value === undefined) {
          throw new BenchError(
            'TARGET_PROTOCOL',
            `${description}: no "${options.outputsPath}" in the response`,
          )
        }
        return [value]
      }
      return checkOutputs(value, batch.length, description)
    },
    async close() {},
  }
}
