// The pure parts of the gateway: route matching and URL rewriting rules.
import { describe, expect, it } from 'vitest'
import { contentSecurityPolicy, frontendCacheControl } from '../src/headers.ts'
import { prefixSrcset, prefixUrl, rewriteCss } from '../src/rewrite.ts'
import { matchRoute } from '../src/routes.ts'

describe('matchRoute', () => {
  it('maps each prefix to its binding and the path the service sees', () => {
    const at = (p: string) => {
      const m = matchRoute(p)
      return m ? [m.mount.binding, m.path] : undefined
    }
    expect(at('/')).toEqual(['SITE', '/'])
    expect(at('/leaderboard/ann/')).toEqual(['SITE', '/leaderboard/ann/'])
    expect(at('/_astro/x.js')).toEqual(['SITE', '/_astro/x.js'])
    expect(at('/playground/')).toEqual(['PLAYGROUND', '/'])
    expect(at('/playground/_astro/a.js')).toEqual(['PLAYGROUND', '/_astro/a.js'])
    expect(at('/api/retrieval/v1/indexes')).toEqual(['RETRIEVAL', '/v1/indexes'])
    expect(at('/api/inference/v1/generate')).toEqual(['INFERENCE', '/v1/generate'])
  })

  it('matches whole path segments only, and nothing outside the table', () => {
    for (const p of [
      '/playgroundx',
      '/leaderboard-x/',
      '/api/retrieval-old/x',
      '/api',
      '/robots.txt',
      '/x/leaderboard/',
    ]) {
      expect(matchRoute(p), p).toBeUndefined()
    }
  })
})

describe('URL rewriting', () => {
  it('prefixes root-relative URLs only', () => {
    expect(prefixUrl('/_astro/a.js', '/playground')).toBe('/playground/_astro/a.js')
    expect(prefixUrl('/', '/playground')).toBe('/playground/')
    expect(prefixUrl('/playground/x', '/playground')).toBe('/playground/x')
    for (const u of [
      '//cdn.example/x.js',
      'https://example.org/',
      'a.js',
      './a.js',
      '#top',
      '?q=1',
      'data:x',
    ]) {
      expect(prefixUrl(u, '/playground'), u).toBe(u)
    }
    expect(prefixUrl('/a', '')).toBe('/a')
  })

  it('rewrites each candidate of a srcset', () => {
    expect(prefixSrcset('/a.png 1x, /b.png 2x, https://x/c.png 3x', '/p')).toBe(
      '/p/a.png 1x, /p/b.png 2x, https://x/c.png 3x',
    )
  })

  it('rewrites url() and @import in style sheets', () => {
    const css = `@import "/base.css"; @font-face{src:url(/_astro/f.woff2) format("woff2"),url('/f.woff')} .a{background:url("//cdn/x.png")} .b{background:url(data:image/png;base64,AA)} .c{background:url( "/i.png" )}`
    expect(rewriteCss(css, '/p')).toBe(
      `@import "/p/base.css"; @font-face{src:url(/p/_astro/f.woff2) format("woff2"),url('/p/f.woff')} .a{background:url("//cdn/x.png")} .b{background:url(data:image/png;base64,AA)} .c{background:url("/p/i.png")}`,
    )
  })
})

describe('headers', () => {
  it('puts the nonce in script-src and allows WebAssembly without eval', () => {
    const csp = contentSecurityPolicy('abc')
    expect(csp).toContain("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'")
    expect(csp).not.toMatch(/'unsafe-eval'|'unsafe-inline'[^;]*script|\*/)
  })

  it('caches by what a response is', () => {
    expect(frontendCacheControl('/_astro/a.js', 'text/javascript', 200)).toBe(
      'public, max-age=31536000, immutable',
    )
    expect(frontendCacheControl('/', 'text/html; charset=utf-8', 200)).toBe(
      'public, max-age=0, must-revalidate',
    )
    expect(frontendCacheControl('/pagefind/x.pf_meta', 'application/octet-stream', 200)).toBe(
      'public, max-age=3600',
    )
    expect(frontendCacheControl('/_astro/a.js', 'text/html', 404)).toBe('no-store')
    expect(frontendCacheControl('/a', '', 307)).toBe('public, max-age=0, must-revalidate')
  })
})
