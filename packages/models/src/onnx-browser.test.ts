import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { build } from 'esbuild'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = new URL('../', import.meta.url)
const ortDist = new URL('../node_modules/onnxruntime-web/dist/', import.meta.url)

// The ONNX backend and the WASM kernels in a real headless Chromium (Debian's /usr/bin/chromium).
describe('in the browser', () => {
  let server: Server
  let browser: Browser
  let base: string

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [new URL('test/browser/entry.ts', root).pathname],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    })
    const files = new Map<string, [string, Uint8Array]>([
      [
        '/',
        [
          'text/html',
          new TextEncoder().encode('<!doctype html><script type="module" src="/entry.js"></script>'),
        ],
      ],
      ['/entry.js', ['text/javascript', bundle.outputFiles[0]!.contents]],
      [
        '/model.onnx',
        ['application/octet-stream', await readFile(new URL('fixtures/openelm/model.onnx', root))],
      ],
      [
        '/reference.json',
        ['application/json', await readFile(new URL('fixtures/openelm/reference.json', root))],
      ],
      ['/kernels.wasm', ['application/wasm', await readFile(new URL('asm/kernels-relaxed.wasm', root))]],
      [
        '/ort/ort-wasm-simd-threaded.wasm',
        ['application/wasm', await readFile(new URL('ort-wasm-simd-threaded.wasm', ortDist))],
      ],
      [
        '/ort/ort-wasm-simd-threaded.mjs',
        ['text/javascript', await readFile(new URL('ort-wasm-simd-threaded.mjs', ortDist))],
      ],
    ])
    server = createServer((req, res) => {
      const file = files.get(new URL(req.url ?? '/', 'http://x').pathname)
      if (!file) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, { 'content-type': file[0] }).end(file[1])
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
      ],
    })
  })

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => server?.close(resolve))
  })

  it('runs the OpenELM fixture export on onnxruntime-web and the WASM kernels', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto(`${base}/`)
    await page.waitForFunction(() => typeof window.runModels === 'function')
    const run = await page.evaluate(() => window.runModels())
    expect(errors).toEqual([])
    expect(run.tokens).toEqual(run.want)
    expect(run.linearError).toBeLessThan(1e-4)
  })
})
