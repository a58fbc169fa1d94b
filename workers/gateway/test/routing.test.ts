// The gateway in front of the real Workers (see global-setup.ts): the routing table, path
// rewriting, headers, the error page and 404s that never reach a service.
import { describe, expect, inject, it } from 'vitest'

const urls = inject('urls')
const gw = (path: string, init?: RequestInit) =>
  fetch(`${urls.gateway}${path}`, { redirect: 'manual', ...init })
const html = { headers: { accept: 'text/html' } }

/** Root-relative URLs in attributes that the browser loads or follows. */
function rootUrls(page: string): string[] {
  const found: string[] = []
  for (const m of page.matchAll(/\s(?:href|src|component-url|renderer-url)="(\/[^"/][^"]*|\/)"/g))
    found.push(m[1]!)
  return found
}

describe('routing table', () => {
  it('forwards each prefix to its service', async () => {
    const cases: [string, string, RegExp][] = [
      ['/', 'site', /<title>[^<]*Frugal/],
      ['/leaderboard/ann/', 'site', /table class="lb/],
      ['/docs/getting-started/', 'site', /Getting started/],
      ['/methods/adanns/', 'site', /AdANNS/],
      ['/playground/', 'playground', /Frugal playground/],
      ['/api/retrieval/healthz', 'retrieval', /"status":"ok"/],
      ['/api/retrieval/v1/indexes/default', 'retrieval', /"frontier":\[\{/],
    ]
    for (const [path, service, body] of cases) {
      const res = await gw(path, html)
      const text = await res.text()
      expect(res.status, path).toBe(200)
      expect(res.headers.get('x-frugal-service'), path).toBe(service)
      expect(text, path).toMatch(body)
    }
  })

  it('strips the mount prefix: a service sees the path it would see alone', async () => {
    const direct = await (await fetch(`${urls.retrieval}/v1/indexes/default`)).json()
    const through = await (await gw('/api/retrieval/v1/indexes/default')).json()
    expect(through).toEqual(direct)
  })

  it('forwards methods and bodies, and passes the API’s own errors through unchanged', async () => {
    const search = (body: unknown) =>
      gw('/api/retrieval/v1/indexes/default/search', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const ok = await search({ query: 'tariffs on imported steel', k: 3 })
    expect(ok.status).toBe(200)
    expect(((await ok.json()) as { hits: unknown[] }).hits).toHaveLength(3)
    const bad = await search({ query: '', k: 3 })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({
      error: { code: 'INVALID_REQUEST', message: 'query: must not be empty', field: 'query' },
    })
  })

  it('answers unknown paths 404 without forwarding them anywhere', async () => {
    for (const path of ['/nope', '/playgroundx/', '/leaderboardx', '/.env', '/wp-admin/']) {
      const res = await gw(path, html)
      expect(res.status, path).toBe(404)
      expect(res.headers.get('x-frugal-service'), path).toBeNull()
      const page = await res.text()
      expect(page, path).toContain('id="error-message"')
      expect(page).toContain(`There is nothing at ${path}.`)
    }
    // Under /api/ the answer is always the APIs' JSON error shape.
    for (const path of ['/api/other/x', '/api', '/api/retrievalx']) {
      const res = await gw(path, html)
      expect(res.status, path).toBe(404)
      expect(res.headers.get('x-frugal-service'), path).toBeNull()
      expect(await res.json()).toEqual({
        error: { code: 'NOT_FOUND', message: `There is nothing at ${path}.` },
      })
    }
    const json = await gw('/nope', { headers: { accept: 'application/json' } })
    expect(await json.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'There is nothing at /nope.' } })
  })

  it('shows its one error page for a page a frontend does not have', async () => {
    const res = await gw('/leaderboard/no-such-board/', html)
    expect(res.status).toBe(404)
    expect(res.headers.get('x-frugal-service')).toBe('site')
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.text()).toContain(
      '<p id="error-message">There is nothing at /leaderboard/no-such-board/.</p>',
    )
  })

  it('passes a frontend’s other refusals through as the frontend makes them', async () => {
    const direct = await fetch(`${urls.playground}/`, { method: 'POST', body: 'x' })
    await direct.arrayBuffer()
    expect(direct.status).toBeGreaterThanOrEqual(400)
    expect(direct.status).toBeLessThan(500)
    const through = await gw('/playground/', { method: 'POST', body: 'x' })
    await through.arrayBuffer()
    expect(through.status).toBe(direct.status)
    expect(through.headers.get('x-frugal-service')).toBe('playground')
    expect(through.headers.get('cache-control')).toBe('no-store')
  })

  it('answers 503 naming the missing inference service while it is not bound', async () => {
    for (const [method, path] of [
      ['GET', '/api/inference/healthz'],
      ['POST', '/api/inference/v1/generate'],
    ] as const) {
      const res = await gw(path, { method, ...(method === 'POST' ? { body: '{}' } : {}) })
      expect(res.status).toBe(503)
      expect(res.headers.get('content-type')).toMatch(/application\/json/)
      const body = (await res.json()) as { error: { code: string; message: string } }
      expect(body.error.code).toBe('SERVICE_NOT_BOUND')
      expect(body.error.message).toContain(
        'No inference API is bound to this gateway (service binding INFERENCE)',
      )
    }
  })
})

describe('path rewriting', () => {
  it('moves every root-relative URL of the playground under /playground, and they all load', async () => {
    const direct = await (await fetch(`${urls.playground}/`)).text()
    const page = await (await gw('/playground/', html)).text()
    expect(rootUrls(direct).some((u) => u.startsWith('/_astro/'))).toBe(true)
    const rewritten = rootUrls(page)
    expect(rewritten.length).toBe(rootUrls(direct).length)
    for (const u of rewritten) expect(u, u).toMatch(/^\/playground\//)
    expect(page).toMatch(/component-url="\/playground\/_astro\/SearchPanel\.[\w-]+\.js"/)
    for (const u of new Set(rewritten.filter((x) => !x.endsWith('/')))) {
      const res = await gw(u)
      expect(res.status, u).toBe(200)
      await res.arrayBuffer()
    }
  })

  it('rewrites url() references of the playground’s style sheets', async () => {
    const page = await (await gw('/playground/', html)).text()
    const sheets = [...page.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1]!)
    expect(sheets.length).toBeGreaterThan(0)
    for (const sheet of sheets) {
      const res = await gw(sheet)
      expect(res.headers.get('content-type')).toMatch(/text\/css/)
      const css = await res.text()
      for (const m of css.matchAll(/url\(\s*['"]?(\/[^'")]*)/g)) expect(m[1]).toMatch(/^\/playground\//)
    }
  })

  it('tells an API its mount, so its reference page and OpenAPI servers point under it', async () => {
    const page = await (await gw('/api/retrieval/docs', html)).text()
    expect(page).toContain('/api/retrieval/openapi.json')
    expect(page).toContain('src="/api/retrieval/docs/scalar.js"')
    const doc = (await (await gw('/api/retrieval/openapi.json')).json()) as { servers: { url: string }[] }
    expect(doc.servers).toEqual([{ url: '/api/retrieval' }])
    expect((await gw('/api/retrieval/docs/scalar.js')).status).toBe(200)
  })

  it('leaves the site, mounted at the root, as it is', async () => {
    const direct = await (await fetch(`${urls.site}/leaderboard/ann/`)).text()
    const page = await (await gw('/leaderboard/ann/', html)).text()
    expect(rootUrls(page)).toEqual(rootUrls(direct))
  })

  it('redirects a mount without its slash, and moves a service’s redirect under its mount', async () => {
    const bare = await gw('/playground?x=1')
    expect(bare.status).toBe(308)
    expect(bare.headers.get('location')).toBe('/playground/?x=1')
    const site = await gw('/leaderboard/ann')
    expect([301, 307, 308]).toContain(site.status)
    expect(site.headers.get('location')).toMatch(/^(http:\/\/127\.0\.0\.1:\d+)?\/leaderboard\/ann\/$/)
    const app = await gw('/playground/index.html')
    expect([301, 307, 308]).toContain(app.status)
    expect(new URL(app.headers.get('location')!, urls.gateway).pathname).toBe('/playground/')
  })
})

describe('headers', () => {
  it('sends a CSP whose nonce every inline script carries, allowing the sites’ own WASM', async () => {
    for (const path of ['/', '/playground/']) {
      const res = await gw(path, html)
      const csp = res.headers.get('content-security-policy')!
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1]
      expect(nonce, path).toBeTruthy()
      expect(csp).toContain("script-src 'self' 'nonce-")
      expect(csp).toContain("'wasm-unsafe-eval'")
      expect(csp).not.toContain("'unsafe-eval'")
      expect(csp).toContain("connect-src 'self'")
      const page = await res.text()
      const inline = [...page.matchAll(/<script(?![^>]*\ssrc=)([^>]*)>/g)].map((m) => m[1]!)
      expect(inline.length, path).toBeGreaterThan(0)
      for (const attrs of inline) expect(attrs, path).toContain(`nonce="${nonce}"`)
    }
    const a = (await gw('/', html)).headers.get('content-security-policy')
    const b = (await gw('/', html)).headers.get('content-security-policy')
    expect(a).not.toBe(b)
  })

  it('caches hashed assets for a year and revalidates pages; APIs decide their own', async () => {
    const page = await (await gw('/playground/', html)).text()
    const asset = /src="(\/playground\/_astro\/[^"]+)"|component-url="([^"]+)"/.exec(page)!
    const res = await gw(asset[1] ?? asset[2]!)
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect((await gw('/playground/', html)).headers.get('cache-control')).toBe(
      'public, max-age=0, must-revalidate',
    )
    expect((await gw('/leaderboard/ann/', html)).headers.get('cache-control')).toBe(
      'public, max-age=0, must-revalidate',
    )
    expect((await gw('/api/retrieval/healthz')).headers.get('cache-control')).toBe('no-store')
    const file = await gw('/api/retrieval/v1/indexes/default/files/manifest.json')
    expect(file.headers.get('cache-control')).toBe('no-cache')
    expect(file.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/)
  })

  it('adds the security headers to every response, errors included', async () => {
    for (const path of ['/', '/playground/', '/api/retrieval/healthz', '/nope', '/api/inference/x']) {
      const res = await gw(path, html)
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(res.headers.get('x-frame-options'), path).toBe('DENY')
      expect(res.headers.get('referrer-policy'), path).toBe('strict-origin-when-cross-origin')
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'")
    }
  })
})
