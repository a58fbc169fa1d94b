import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBenchmark } from './bench-node.ts'
import { BenchError } from './errors.ts'
import { parseResult } from './schema.ts'
import { generationMetrics, streamTarget } from './stream-target.ts'

let server: Server
let base = ''
/** The server holds the first token 40 ms and each next one 15 ms. */
const FIRST_MS = 40
const NEXT_MS = 15

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', async () => {
      const { prompt } = JSON.parse(body) as { prompt: string }
      if (req.url === '/broken') {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.end(`event: token\ndata: {}\n\nevent: error\ndata: {"error":{"code":"INTERNAL"}}\n\n`)
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))
      await wait(FIRST_MS)
      const words = prompt.split(' ')
      for (const [i, w] of words.entries()) {
        if (i > 0) await wait(NEXT_MS)
        res.write(`event: token\ndata: ${JSON.stringify({ index: i, text: w })}\n\n`)
      }
      if (req.url !== '/truncated') res.write(`event: done\ndata: ${JSON.stringify({ text: prompt })}\n\n`)
      res.end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('streamTarget', () => {
  it('sees the first token: TTFT and TPOT at the client, the done event as output, generation metrics in the result', async () => {
    const target = streamTarget({ url: `${base}/generate`, body: '{"prompt":{{input}},"stream":true}' })
    const inputs = ['a b c d', 'e f g h']
    const outputs: unknown[] = []
    const result = await runBenchmark({
      target,
      inputs,
      settings: {
        scenario: 'single_stream',
        minRequests: 4,
        maxRequests: 4,
        minDurationS: 0,
        warmupRequests: 1,
      },
      task: 'inference',
      dataset: { name: 'words', size: inputs.length },
      method: { name: 'echo', parameters: {} },
      energy: false,
      promptTokensMean: 4,
      onOutputs: (_, outs) => outputs.push(...outs),
    })
    expect(result.status, JSON.stringify(result.error)).toBe('complete')
    expect(result.schema_minor).toBe(1)
    expect(result.target.kind).toBe('http_stream')
    expect(outputs[0]).toEqual({ text: expect.stringMatching(/^[a-h] /) })
    const g = result.metrics.generation!
    expect(target.observations).toHaveLength(5)
    expect(g.ttft_ms.p50).toBeGreaterThanOrEqual(FIRST_MS - 1)
    expect(g.tpot_ms!.p50).toBeGreaterThanOrEqual(NEXT_MS - 1)
    expect(g.output_tokens_mean).toBe(4)
    expect(g.prompt_tokens_mean).toBe(4)
    expect(parseResult(JSON.stringify(result), 'r.json')).toEqual(result)
  })

  it('refuses a stream with an error event or without a done event, and a body without {{input}}', async () => {
    const broken = streamTarget({ url: `${base}/broken`, body: '{"prompt":{{input}}}' })
    await expect(broken.request(['x'])).rejects.toMatchObject({ code: 'HTTP_ERROR' })
    const cut = streamTarget({ url: `${base}/truncated`, body: '{"prompt":{{input}}}' })
    await expect(cut.request(['x y'])).rejects.toMatchObject({ code: 'TARGET_PROTOCOL' })
    expect(() => streamTarget({ url: `${base}/generate`, body: '{}' })).toThrow(BenchError)
    expect(() => generationMetrics([], 1, 1)).toThrow(BenchError)
  })
})
