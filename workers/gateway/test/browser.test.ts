// Through the gateway URL, in Debian's Chromium (playwright-core): the site renders, the
// playground searches, moves its frontier point with a slider, searches in the page too, and
// shows the API's message for bad input. Screenshots go to test-artifacts/.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

const urls = inject('urls')
const artifacts = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'test-artifacts')

let browser: Browser
let page: Page
/** Problems any page reported: script errors, CSP refusals, failed loads, foreign requests. */
const problems: string[] = []

async function fresh(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const p = await browser.newPage({ viewport })
  p.on('pageerror', (e) => problems.push(`pageerror: ${e}`))
  p.on('console', (m) => {
    // Failed loads are checked by URL below.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      problems.push(`console: ${m.text()}`)
  })
  p.on('response', (r) => {
    const path = new URL(r.url()).pathname
    // Expected: the inference probe while no inference Worker is bound, the refused empty query.
    const expected =
      (r.status() === 503 && path === '/api/inference/healthz') ||
      (r.status() === 400 && path.endsWith('/search'))
    if (r.status() >= 400 && !expected) problems.push(`${r.status()}: ${r.url()}`)
  })
  p.on('request', (r) => {
    if (!r.url().startsWith(urls.gateway) && !r.url().startsWith('data:'))
      problems.push(`external: ${r.url()}`)
  })
  return p
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true })
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  })
  page = await fresh()
})

afterAll(async () => {
  await browser?.close()
})

/** The x position of the ringed "this search" point (or rule) on the frontier chart. */
const markerX = (p: Page) =>
  p
    .locator('[data-chosen]')
    .evaluate((el) => Number(el.getAttribute('cx') ?? el.getAttribute('x1') ?? el.getAttribute('transform')))

describe('through the gateway', () => {
  it('renders the leaderboard site', async () => {
    const res = await page.goto(`${urls.gateway}/leaderboard/ann/`)
    expect(res?.status()).toBe(200)
    expect(await page.locator('table.lb tbody tr[data-id]').count()).toBeGreaterThan(0)
    expect(await page.locator('figure.scatter circle[data-id]').count()).toBeGreaterThan(0)
    await page.goto(`${urls.gateway}/`)
    expect(await page.locator('.card').count()).toBeGreaterThanOrEqual(3)
    await page.screenshot({ path: join(artifacts, 'gateway-home.png') })
  })

  it('searches in the playground: hits with their cost and the setting on the frontier', async () => {
    await page.goto(`${urls.gateway}/playground/`)
    await expect.poll(() => page.locator('[data-testid="index-info"]').textContent()).toMatch(/32 documents/)
    await page.fill('#query', 'tariffs on imported steel')
    await page.click('button[type="submit"]')
    await expect.poll(() => page.locator('.hits li').count()).toBe(5)
    expect(await page.locator('.hits li').first().getAttribute('data-id')).toBe('d00-tariffs')
    expect(await page.locator('[data-testid="cost"]').textContent()).toMatch(
      /dims × [\d,]+ candidates = .+ FLOPs/,
    )
    expect(await page.locator('.frontier-chart circle[data-frontier]').count()).toBeGreaterThan(0)
    expect(await page.locator('[data-chosen]').count()).toBe(1)
    expect(await page.locator('[data-testid="edge-ms"]').textContent()).toMatch(/ms round trip/)
    await page.screenshot({ path: join(artifacts, 'playground-search.png'), fullPage: true })
  })

  it('moves the frontier point when the budget slider moves', async () => {
    await page.locator('input[name="control"][value="budget"]').check()
    const slider = page.locator('#budget')
    /** Moves the slider and waits for the search that ran with the budget it shows. */
    const moveTo = async (position: string) => {
      await slider.fill(position)
      const budget = await slider.getAttribute('data-budget')
      await expect.poll(() => page.locator('[data-testid="chosen"]').getAttribute('data-budget')).toBe(budget)
      return {
        flops: Number(await page.locator('[data-chosen]').getAttribute('data-flops')),
        x: await markerX(page),
      }
    }
    const cheap = await moveTo('0')
    const dear = await moveTo('1000')
    expect(dear.flops).toBeGreaterThan(cheap.flops)
    expect(dear.x).toBeGreaterThan(cheap.x)
    await page.screenshot({ path: join(artifacts, 'playground-budget.png'), fullPage: true })
  })

  it('runs the same search in the page and shows both latencies', async () => {
    await page.click('text=Load the index into this page')
    await expect.poll(() => page.locator('[data-testid="local-ready"]').count(), { timeout: 30_000 }).toBe(1)
    await page.click('button[type="submit"]')
    await expect
      .poll(() => page.locator('[data-testid="browser-ms"]').textContent())
      .toMatch(/ms · same hits/)
    expect(await page.locator('[data-testid="edge-ms"]').textContent()).toMatch(/\d+\.\d ms round trip/)
  })

  it('shows the API’s message for an empty query, and marks the field', async () => {
    await page.fill('#query', '')
    await page.click('button[type="submit"]')
    const alert = page.locator('#search-error[role="alert"]')
    await expect.poll(() => alert.textContent()).toContain('query: must not be empty')
    expect(await alert.textContent()).toContain('400 INVALID_REQUEST')
    expect(await page.locator('#query').getAttribute('aria-invalid')).toBe('true')
    await page.screenshot({ path: join(artifacts, 'playground-error.png'), fullPage: true })
    await page.fill('#query', 'civil war')
    await page.press('#query', 'Enter')
    await expect.poll(() => alert.count()).toBe(0)
  })

  it('says the VLM and Generate panels need the inference API, which is not bound', async () => {
    await expect
      .poll(() => page.locator('#vlm [data-inference-status]').textContent())
      .toContain('No inference API is bound to this gateway')
  })

  it('fits a phone screen and is usable from the keyboard', async () => {
    const phone = await fresh({ width: 390, height: 844 })
    await phone.goto(`${urls.gateway}/playground/`)
    await expect.poll(() => phone.locator('[data-testid="index-info"]').count()).toBe(1)
    await phone.focus('#query')
    await phone.keyboard.press('Enter')
    await expect.poll(() => phone.locator('.hits li').count()).toBeGreaterThan(0)
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    for (const id of ['query', 'index', 'k']) {
      expect(await phone.locator(`label[for="${id}"]`).count(), id).toBe(1)
    }
    await phone.screenshot({ path: join(artifacts, 'playground-phone.png'), fullPage: true })
    await phone.close()
  })

  it('says where to open it when the playground Worker is opened alone, without an API beside it', async () => {
    const alone = await browser.newPage()
    await alone.goto(`${urls.playground}/`)
    await expect
      .poll(() => alone.locator('#search-error[role="alert"]').textContent())
      .toContain('open the playground through the gateway')
    await alone.close()
  })

  it('shows the retrieval API reference under /api/retrieval/docs', async () => {
    const ref = await fresh()
    await ref.goto(`${urls.gateway}/api/retrieval/docs`)
    await expect
      .poll(() => ref.getByText('Frugal retrieval API').count(), { timeout: 20_000 })
      .toBeGreaterThan(0)
    await expect
      .poll(() => ref.getByText('/v1/indexes/{name}/search').count(), { timeout: 20_000 })
      .toBeGreaterThan(0)
    await ref.screenshot({ path: join(artifacts, 'api-reference.png') })
    await ref.close()
  })

  it('made no request outside the gateway and broke no CSP rule', () => {
    expect(problems).toEqual([])
  })
})
