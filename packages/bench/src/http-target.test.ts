import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBenchmark } from './bench-node.ts'
import { httpTarget } from './http-target.ts'
import { runScenario } from './runner.ts'

let server: Server
let base = ''
const sockets = new Set<string>()

beforeAll(async () => {
  server = createServer((req, res) => {
    sockets.add(`${req.socket.remotePort}`)
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(value))
      }
      const parsed = JSON.parse(body || 'null')
      if (req.url === '/batch') {
        setTimeout(
          () =>
            send(
              200,
              parsed.map((x: number) => x * 2),
            ),
          10,
        )
      } else if (req.url === '/search') {
        send(200, { took: 1, results: parsed.queries.map((x: number) => [x, x + 1]) })
      } else if (req.url === '/one') {
        send(200, { hit: parsed.q * 3 })
      } else if (req.url === '/busy') {
        // Sheds every third request as an overloaded server does: 503 with Retry-After.
        if (parsed.q % 3 === 0) {
          res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
          res.end(JSON.stringify({ error: { code: 'OVERLOADED', message: 'busy' } }))
        } else send(200, { hit: parsed.q })
      } else if (req.url === '/short') {
        send(200, parsed.slice(1))
      } else send(500, { error: { code: 'INTERNAL', message: 'broken' } })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const inputs = Array.from({ length: 30 }, (_, i) => i)

describe('http target', () => {
  it('measures a real local server and reuses connections', async () => {
    sockets.clear()
    const seen: [unknown, unknown][] = []
    const result = await runBenchmark({
      target: httpTarget({ url: `${base}/batch` }),
      inputs,
      settings: {
        scenario: 'single_stream',
        minRequests: 20,
        maxRequests: 20,
        minDurationS: 0,
        warmupRequests: 2,
      },
      task: 'worker',
      dataset: { name: 'integers', size: inputs.length },
      method: { name: 'double', parameters: {} },
      energy: false,
      onOutputs: (ins, outs) => {
        for (const [i, x] of ins.entries()) seen.push([x, outs[i]])
      },
    })
    expect(result.status).toBe('complete')
    expect(result.target).toEqual({ kind: 'http', description: `POST ${base}/batch` })
    // The server holds every answer 10 ms: no measured latency can be shorter (less the up to 1 ms
    // by which a libuv timer, counted from the loop's cached millisecond clock, can end early).
    expect(result.metrics.latency_ms!.min).toBeGreaterThanOrEqual(9)
    for (const [x, y] of seen) expect(y).toBe((x as number) * 2)
    // Keep-alive: 22 sequential requests over very few connections.
    expect(sockets.size).toBeLessThanOrEqual(2)
  })

  it('fills a body template and reads the outputs at a path', async () => {
    const target = httpTarget({
      url: `${base}/search`,
      body: '{"queries":{{inputs}}}',
      outputsPath: 'results',
    })
    const outputs = await target.request([1, 2])
    expect(outputs).toEqual([
      [1, 2],
      [2, 3],
    ])
    const one = httpTarget({ url: `${base}/one`, body: '{"q":{{input}}}', outputsPath: 'hit' })
    expect(await one.request([5])).toEqual([15])
  })

  it('runs open-loop Poisson load with concurrent requests', async () => {
    const outcome = await runScenario(httpTarget({ url: `${base}/batch` }), inputs, {
      scenario: 'poisson',
      ratePerS: 200,
      minRequests: 60,
      minDurationS: 0,
      warmupRequests: 0,
    })
    expect(outcome.error).toBeUndefined()
    expect(outcome.requests).toBe(60)
    expect(outcome.measuredFrom).toBe('scheduled_arrival')
    // The 10 ms hold, less the up to 1 ms by which the server's timer can end early (see above).
    expect(outcome.latencyMs!.min).toBeGreaterThanOrEqual(9)
  })

  it('counts requests shed with 503 + Retry-After apart from errors and keeps the Poisson schedule going', async () => {
    const target = httpTarget({ url: `${base}/busy`, body: '{"q":{{input}}}', outputsPath: 'hit' })
    const ids = Array.from({ length: 30 }, (_, i) => i + 1)
    const result = await runBenchmark({
      target,
      inputs: ids,
      settings: { scenario: 'poisson', ratePerS: 200, minRequests: 60, minDurationS: 0, warmupRequests: 0 },
      task: 'worker',
      dataset: { name: 'integers', size: ids.length },
      method: { name: 'busy', parameters: {} },
      energy: false,
    })
    expect(result.status).toBe('complete')
    // Every pass over the 30 inputs sends the 10 multiples of 3 once: 20 of the 60 are shed.
    expect(result.metrics.poisson?.shed_requests).toBe(20)
    expect(result.metrics.poisson?.shed_fraction).toBeCloseTo(1 / 3, 10)
    expect(result.metrics.latency_ms?.count).toBe(40)
    // Outside a Poisson run a shed request is a failure with its own code.
    const single = await runScenario(target, [3], { scenario: 'single_stream', warmupRequests: 0 })
    expect(single.error?.code).toBe('TARGET_SHED')
    expect(single.error?.message).toMatch(/HTTP 503 \(Retry-After 1\)/)
  })

  it('fails the run on an HTTP error status, a wrong output count, or a bad template', async () => {
    const broken = await runScenario(httpTarget({ url: `${base}/nope` }), inputs, {
      scenario: 'single_stream',
      warmupRequests: 0,
    })
    expect(broken.error?.code).toBe('HTTP_ERROR')
    expect(broken.error?.message).toMatch(/HTTP 500/)
    const short = await runScenario(httpTarget({ url: `${base}/short` }), inputs, {
      scenario: 'fixed_batch',
      batchSize: 3,
      warmupRequests: 0,
    })
    expect(short.error?.code).toBe('TARGET_PROTOCOL')
    // A port that was just free: nothing listens there.
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const closedPort = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const refused = await runScenario(httpTarget({ url: `http://127.0.0.1:${closedPort}/` }), inputs, {
      scenario: 'single_stream',
      warmupRequests: 0,
    })
    expect(refused.error?.message).toMatch(/ECONNREFUSED/)
    expect(() => httpTarget({ url: `${base}/x`, body: '{"q":1}' })).toThrow(/^body:/)
    expect(() => httpTarget({ url: 'not a url' })).toThrow(/^url:/)
  })
})
