// The site as users get it: built by Astro from fixture results, served by its static-assets Worker on
// 127.0.0.1 and driven in Debian's Chromium. Also checks that a broken result file stops the build.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const astroBin = join(root, 'node_modules', 'astro', 'bin', 'astro.mjs')
const fixtures = join(root, 'test', 'fixtures', 'results')
const broken = join(root, 'test', 'fixtures', 'bad-results')
const tmp = join(root, '.tmp', 'site-test')
const artifacts = join(root, 'test-artifacts')

interface Fixture {
  id: string
  task: string
  status: string
  method: { name: string; family?: string }
  scenario: { name: string }
  metrics: { throughput?: { items_per_s: number }; energy?: { energy_method: string } }
}
const fixtureResults: Fixture[] = readdirSync(fixtures)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ id: f.replace(/\.json$/, ''), ...JSON.parse(readFileSync(join(fixtures, f), 'utf8')) }))
const annComplete = fixtureResults.filter((r) => r.task === 'ann' && r.status === 'complete')

function env(results: string, name: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ASTRO_TELEMETRY_DISABLED: '1',
    FRUGAL_RESULTS_DIR: results,
    FRUGAL_SITE_OUT: join(tmp, `${name}-dist`),
    FRUGAL_SITE_CACHE: join(tmp, `${name}-cache`),
  }
}

/** Runs `astro build` as a process; resolves with its exit code and combined output. */
function build(results: string, name: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [astroBin, 'build'], { cwd: root, env: env(results, name) })
    let output = ''
    child.stdout.on('data', (d) => {
      output += d
    })
    child.stderr.on('data', (d) => {
      output += d
    })
    child.on('exit', (code) => resolve({ code: code ?? 1, output }))
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error()),
      )
    })
  })
}

async function waitFor(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${url} did not answer within ${ms} ms`)
}

/**
 * A whole-page screenshot taken with a viewport as tall as the page: Starlight's header is fixed, and
 * a scrolled full-page capture would paint it in the middle of the image.
 */
async function screenshot(page: Page, name: string): Promise<void> {
  const size = page.viewportSize()!
  const height = await page.evaluate(() => document.documentElement.scrollHeight)
  await page.setViewportSize({ width: size.width, height: Math.min(height, 8000) })
  await page.mouse.move(0, 0)
  await page.evaluate(() => {
    window.scrollTo(0, 0)
    for (const wrap of document.querySelectorAll('.table-wrap')) wrap.scrollLeft = 0
  })
  await page.screenshot({ path: join(artifacts, name) })
  await page.setViewportSize(size)
}

describe('leaderboard site', () => {
  let preview: ChildProcess | undefined
  let browser: Browser | undefined
  let page: Page
  let base = ''
  let port = 0
  let printedUrl = ''
  let brokenBuild: Promise<{ code: number; output: string }> | undefined
  const pageErrors: string[] = []

  beforeAll(async () => {
    rmSync(tmp, { recursive: true, force: true })
    mkdirSync(artifacts, { recursive: true })
    const built = await build(fixtures, 'good')
    if (built.code !== 0) throw new Error(`site build failed:\n${built.output}`)
    // The build from the broken folder runs while the browser tests use the good build.
    brokenBuild = build(broken, 'broken')
    // The site is served by the package's own serve script (its Worker under wrangler dev).
    port = await freePort()
    preview = spawn(
      process.execPath,
      [join(root, 'scripts', 'serve.ts'), '--no-build', '--port', String(port)],
      {
        cwd: root,
        env: env(fixtures, 'good'),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    )
    const serve = preview
    printedUrl = await new Promise<string>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => reject(new Error(`serve printed no URL within 60 s:\n${out}`)), 60_000)
      const collect = (d: Buffer) => {
        out += d
        const match = /serving the site at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)
        if (match) {
          clearTimeout(timer)
          resolve(match[1]!)
        }
      }
      serve.stdout!.on('data', collect)
      serve.stderr!.on('data', collect)
      serve.on('exit', (code) =>
        reject(new Error(`serve exited with ${code} before printing a URL:\n${out}`)),
      )
    })
    base = `http://127.0.0.1:${port}`
    await waitFor(`${base}/`, 30_000)
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    })
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.on('pageerror', (e) => pageErrors.push(String(e)))
  })

  afterAll(async () => {
    await browser?.close()
    if (preview?.pid) {
      try {
        process.kill(-preview.pid, 'SIGTERM')
      } catch {}
    }
  })

  const rowIds = (p: Page) =>
    p
      .locator('table.lb tbody tr[data-id]:visible')
      .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['id']))

  it('lists every complete ANN fixture result, one ranking per scenario', async () => {
    await page.goto(`${base}/leaderboard/ann/`)
    const boards = await page
      .locator('.board-switch a')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).pathname))
    expect(boards.length).toBe(new Set(annComplete.map((r) => r.scenario.name)).size)
    const seen: string[] = []
    for (const path of boards) {
      await page.goto(`${base}${path}`)
      const ids = await rowIds(page)
      const scenarios = new Set(ids.map((id) => annComplete.find((r) => r.id === id)?.scenario.name))
      expect(scenarios.size).toBe(1) // never two scenarios in one ranking
      seen.push(...(ids as string[]))
    }
    expect(seen.sort()).toEqual(annComplete.map((r) => r.id).sort())
  })

  it('draws one scatter point per row, on the selected axes', async () => {
    await page.goto(`${base}/leaderboard/ann/fixture-vectors--single-stream/`)
    const ids = (await rowIds(page)) as string[]
    const points = () =>
      page
        .locator('figure.scatter:visible circle[data-id]')
        .evaluateAll((cs) => cs.map((c) => c.getAttribute('data-id')))
    expect((await points()).sort()).toEqual([...ids].sort())
    expect(await page.locator('figure.scatter:visible').getAttribute('data-x')).toBe('throughput')
    expect(await page.locator('figure.scatter:visible svg[viewBox] text').allTextContents()).toContain('1k')
    await page.selectOption('select[data-axis="x"]', 'latency_p99')
    expect(await page.locator('figure.scatter:visible').getAttribute('data-x')).toBe('latency_p99')
    expect((await points()).sort()).toEqual([...ids].sort())
    expect(await page.locator('figure.scatter:visible circle[data-frontier]').count()).toBeGreaterThan(0)
  })

  it('sorts the rows when a column header is clicked', async () => {
    await page.goto(`${base}/leaderboard/ann/fixture-vectors--single-stream/`)
    const before = await rowIds(page)
    const definition = await page.locator('th button[data-sort="throughput"] abbr').getAttribute('title')
    expect(definition).toContain('QPS')
    expect(definition).toContain('In this ranking: items / wall time of the measured phase')
    const qps = (id: string) => annComplete.find((r) => r.id === id)!.metrics.throughput!.items_per_s
    await page.click('th button[data-sort="throughput"]')
    const desc = (await rowIds(page)) as string[]
    expect(desc).not.toEqual(before)
    expect(desc.map(qps)).toEqual(desc.map(qps).sort((a, b) => b - a))
    expect(await page.locator('th:has(button[data-sort="throughput"])').getAttribute('aria-sort')).toBe(
      'descending',
    )
    await page.click('th button[data-sort="throughput"]')
    const asc = (await rowIds(page)) as string[]
    const order = await page
      .locator('table.lb tbody tr')
      .evaluateAll((trs) =>
        trs.map((t) => (t as HTMLElement).dataset['id'] ?? `prov:${(t as HTMLElement).dataset['provFor']}`),
      )
    expect(order).toEqual(asc.flatMap((id) => [id, `prov:${id}`])) // each provenance row moves with its run
    expect(asc.map(qps)).toEqual(asc.map(qps).sort((a, b) => a - b))
  })

  it('hides the rows a filter excludes, and their points', async () => {
    await page.goto(`${base}/leaderboard/ann/fixture-vectors--single-stream/`)
    const all = ((await rowIds(page)) as string[]).length
    await page.selectOption('select[data-filter="method"]', 'adanns-ivf')
    const ids = (await rowIds(page)) as string[]
    const expected = annComplete.filter(
      (r) => r.scenario.name === 'single_stream' && r.method.name === 'adanns-ivf',
    )
    expect(ids.sort()).toEqual(expected.map((r) => r.id).sort())
    expect(ids.length).toBeLessThan(all)
    expect(await page.locator('[data-shown]').textContent()).toBe(String(expected.length))
    expect(await page.locator('figure.scatter:visible circle.is-filtered').count()).toBe(
      all - expected.length,
    )
    await page.selectOption('select[data-filter="method"]', '')
    await page.selectOption('select[data-filter="family"]', 'ivf')
    const ivf = annComplete.filter((r) => r.scenario.name === 'single_stream' && r.method.family === 'ivf')
    expect(((await rowIds(page)) as string[]).sort()).toEqual(ivf.map((r) => r.id).sort())
    await page.selectOption('select[data-filter="family"]', '')
    await page.selectOption('select[data-filter="energy"]', 'measured')
    const measured = annComplete.filter(
      (r) => r.scenario.name === 'single_stream' && r.metrics.energy?.energy_method !== 'estimate',
    )
    expect(((await rowIds(page)) as string[]).sort()).toEqual(measured.map((r) => r.id).sort())
  })

  it('renders the compare view with a radar and a table, up to five runs', async () => {
    await page.goto(`${base}/leaderboard/ann/fixture-vectors--single-stream/`)
    const boxes = page.locator('input[data-compare]')
    for (let i = 0; i < 3; i++) await boxes.nth(i).check()
    await expect.poll(() => page.locator('svg.radar polygon.entry').count()).toBe(3)
    expect(await page.locator('table.compare-table thead th').count()).toBe(4)
    expect(await page.locator('[data-compare-count]').textContent()).toBe('3 of 5 selected')
    expect(page.url()).toContain('compare=')
    for (let i = 3; i < 5; i++) await boxes.nth(i).check()
    expect(await boxes.nth(5).isDisabled()).toBe(true)
    await page.locator('table.lb tbody tr[data-id]').first().locator('button[data-prov]').click()
    await expect.poll(() => page.locator('table.lb tr.prov:visible .cmd code').count()).toBe(1)
    await screenshot(page, 'ann-leaderboard.png')
    expect(existsSync(join(artifacts, 'ann-leaderboard.png'))).toBe(true)
  })

  it('offers the raw data as valid JSON and CSV', async () => {
    await page.goto(`${base}/leaderboard/ann/fixture-vectors--single-stream/`)
    const rows = ((await rowIds(page)) as string[]).length
    const jsonHref = await page.locator('a[data-download="json"]').getAttribute('href')
    const json = await page.evaluate(async (href) => (await fetch(href!)).text(), jsonHref)
    const data = JSON.parse(json)
    expect(data.scenario).toBe('single_stream')
    expect(data.results).toHaveLength(rows)
    for (const r of data.results) expect(r.provenance.command).toMatch(/\S/)
    const csvHref = await page.locator('a[data-download="csv"]').getAttribute('href')
    const csv = await page.evaluate(async (href) => (await fetch(href!)).text(), csvHref)
    expect(csv.trimEnd().split('\r\n')).toHaveLength(rows + 1)
  })

  it('serves the home page, docs and method pages without script errors', async () => {
    for (const path of [
      '/',
      '/leaderboard/',
      '/docs/getting-started/',
      '/docs/submit-a-result/',
      '/methods/adanns/',
      '/docs/packages/bench/',
    ]) {
      const response = await page.goto(`${base}${path}`)
      expect(response?.status(), path).toBe(200)
    }
    // The implementation status is read from the repository at build time: @frugal/ann has the AdANNS IVF.
    await page.goto(`${base}/methods/adanns/`)
    expect(await page.locator('.status.implemented').textContent()).toContain('packages/ann/src/ivf.ts')
    await page.goto(`${base}/methods/tome/`)
    expect(await page.locator('.status.missing').textContent()).toContain('Not implemented in Frugal yet')
    // BTR: its files exist, but no result file names the method: files alone are no evidence.
    await page.goto(`${base}/methods/btr/`)
    expect(await page.locator('.status.missing').textContent()).toContain(
      'No complete result file of its benchmark',
    )
    await page.goto(`${base}/`)
    expect(await page.locator('.card').count()).toBeGreaterThanOrEqual(3)
    await screenshot(page, 'home.png')
    expect(pageErrors).toEqual([])
  })

  it('serves the build with the serve script, which prints its URL', async () => {
    expect(printedUrl).toBe(`http://127.0.0.1:${port}/`)
    expect((await fetch(`${printedUrl}leaderboard/ann/`)).status).toBe(200)
  })

  it('refuses to build from a folder with a broken result file, naming the file', async () => {
    const result = await brokenBuild!
    expect(result.code).not.toBe(0)
    expect(result.output).toContain('broken-percentiles.json')
    expect(result.output).toContain('percentiles must satisfy')
  }, 150_000)
})
