/**
 * Splits a byte stream into lines without holding the whole file: works on a web
 * `ReadableStream` (fetch, R2) and on any async iterable of chunks (Node streams).
 * Accepts `\n` and `\r\n`; the final line needs no terminator.
 * @example
 * for await (const line of lines((await fetch(url)).body!)) console.log(line)
 */
export async function* lines(source: AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder('utf-8')
  let rest = ''
  const iterable = isReadableStream(source) ? readStream(source) : source
  for await (const chunk of iterable) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    let start = 0
    for (let nl = rest.indexOf('\n'); nl !== -1; nl = rest.indexOf('\n', start)) {
      yield stripCr(rest.slice(start, nl))
      start = nl + 1
    }
    rest = rest.slice(start)
  }
  rest += decoder.decode()
  if (rest.length > 0) yield stripCr(rest)
}

/** Splits an in-memory text into lines (same rules as {@link lines}). */
export function splitLines(text: string): string[] {
  const out = text.split('\n').map(stripCr)
  if (out.length > 0 && out[out.length - 1] === '') out.pop()
  return out
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof (value as ReadableStream).getReader === 'function'
}

async function* readStream(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}
