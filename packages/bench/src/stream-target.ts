import { BenchError } from './errors.ts'
import type { BenchMetrics } from './schema.ts'
import type { Target } from './target.ts'

/** What one streamed request showed: when the first token arrived and how many came. */
export interface StreamObservation {
  /** Milliseconds from the send to the first token event. */
  ttftMs: number
  /** (last token time − first token time) / (tokens − 1); undefined with fewer than two tokens. */
  tpotMs: number | undefined
  tokens: number
}

/** Options of {@link streamTarget}. */
export interface StreamTargetOptions {
  url: string
  headers?: Record<string, string>
  /** The JSON body; `{{input}}` is replaced by the input (one per request). */
  body: string
  /** Event name of a token (default `token`), of the final answer (`done`) and of a failure (`error`). */
  tokenEvent?: string
  doneEvent?: string
  errorEvent?: string
  /** Milliseconds before a request is abandoned as `TARGET_TIMEOUT`. Default 60 000. */
  timeoutMs?: number
  pid?: number
}

/** A target that reads server-sent events and records when each token arrived. */
export interface StreamTarget extends Target {
  /** One observation per measured request, in completion order (warm-up included: clear it). */
  readonly observations: StreamObservation[]
}

/**
 * Measures an endpoint that streams its answer as server-sent events (e.g. `POST
 * /v1/models/{name}/generate` with `stream: true`): the harness sees the first token, so time to
 * first token and time per output token are measured at the client. The output of a request is
 * the data of its `done` event.
 * @example
 * const target = streamTarget({ url: `${api}/v1/models/openelm/generate`, body: '{"prompt":{{input}},"stream":true}' })
 */
export function streamTarget(options: StreamTargetOptions): StreamTarget {
  let url: URL
  try {
    url = new URL(options.url)
  } catch (cause) {
    throw new BenchError('INVALID_ARGUMENT', `url: not a valid URL: ${options.url}`, { cause })
  }
  if (!options.body.includes('{{input}}'))
    throw new BenchError('INVALID_ARGUMENT', 'body: the template must contain {{input}}')
  const tokenEvent = options.tokenEvent ?? 'token'
  const doneEvent = options.doneEvent ?? 'done'
  const errorEvent = options.errorEvent ?? 'error'
  const timeoutMs = options.timeoutMs ?? 60_000
  const description = `POST ${url.href} (server-sent events)`
  const observations: StreamObservation[] = []

  async function one(input: unknown): Promise<unknown> {
    const sent = performance.now()
    let response: Response
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...options.headers },
        body: options.body.replaceAll('{{input}}', JSON.stringify(input)),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (cause) {
      const timedOut = (cause as Error).name === 'TimeoutError'
      throw new BenchError(
        timedOut ? 'TARGET_TIMEOUT' : 'HTTP_ERROR',
        `${description}: ${(cause as Error).message}`,
        {
          cause,
        },
      )
    }
    if (!response.ok || !response.body) {
      const text = await response.text()
      throw new BenchError('HTTP_ERROR', `${description}: HTTP ${response.status}: ${text.slice(0, 200)}`)
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    let first: number | undefined
    let last = 0
    let tokens = 0
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        const now = performance.now()
        buffer += value
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          let event = 'message'
          const data: string[] = []
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim()
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
          }
          if (event === tokenEvent) {
            first ??= now
            last = now
            tokens++
          } else if (event === errorEvent) {
            throw new BenchError(
              'HTTP_ERROR',
              `${description}: the stream failed: ${data.join('\n').slice(0, 200)}`,
            )
          } else if (event === doneEvent) {
            let result: unknown
            try {
              result = JSON.parse(data.join('\n'))
            } catch (cause) {
              throw new BenchError('TARGET_PROTOCOL', `${description}: the ${doneEvent} event is not JSON`, {
                cause,
              })
            }
            if (first === undefined)
              throw new BenchError(
                'TARGET_PROTOCOL',
                `${description}: no ${tokenEvent} event before ${doneEvent}`,
              )
            observations.push({
              ttftMs: first - sent,
              tpotMs: tokens > 1 ? (last - first) / (tokens - 1) : undefined,
              tokens,
            })
            return result
          }
        }
      }
    } finally {
      reader.releaseLock()
    }
    throw new BenchError('TARGET_PROTOCOL', `${description}: the stream ended without a ${doneEvent} event`)
  }

  return {
    kind: 'http_stream',
    description,
    pid: options.pid,
    observations,
    async request(batch) {
      const outputs: unknown[] = []
      for (const input of batch) outputs.push(await one(input))
      return outputs
    },
    async close() {},
  }
}

function percentiles(values: number[]): { p50: number; p90: number; p99: number; mean: number } {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
  return {
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  }
}

/**
 * The `generation` metrics (result schema minor 1) of streamed requests: TTFT and TPOT
 * percentiles (nearest rank), output tokens per second of wall time.
 */
export function generationMetrics(
  observations: readonly StreamObservation[],
  wallTimeS: number,
  promptTokensMean: number,
): NonNullable<BenchMetrics['generation']> {
  if (observations.length === 0)
    throw new BenchError('INVALID_ARGUMENT', 'no streamed requests were observed')
  const tpot = observations.map((o) => o.tpotMs).filter((t): t is number => t !== undefined)
  const tokens = observations.reduce((a, o) => a + o.tokens, 0)
  return {
    ttft_ms: percentiles(observations.map((o) => o.ttftMs)),
    ...(tpot.length > 0 ? { tpot_ms: percentiles(tpot) } : {}),
    output_tokens_per_s: wallTimeS > 0 ? tokens / wallTimeS : 0,
    prompt_tokens_mean: promptTokensMean,
    output_tokens_mean: tokens / observations.length,
    method: 'client clock: send to first SSE token event; token event arrival times',
  }
}
