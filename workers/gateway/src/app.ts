import type { Request as WorkersRequest } from '@cloudflare/workers-types'
import { type Context, Hono } from 'hono'
import type { AppEnv } from './env.ts'
import { errorPage } from './error-page.ts'
import { type ErrorBody, GatewayError } from './errors.ts'
import { contentSecurityPolicy, frontendCacheControl, newNonce, SECURITY_HEADERS } from './headers.ts'
import { prefixUrl, rewriteCss, rewriteHtml } from './rewrite.ts'
import { type Mount, matchRoute, ROUTES } from './routes.ts'

const BODYLESS = new Set(['GET', 'HEAD'])

/** Whether an error for this request is answered as JSON (APIs, scripts) or as the error page. */
function wantsJson(c: Context<AppEnv>): boolean {
  const path = new URL(c.req.url).pathname
  if (path === '/api' || path.startsWith('/api/')) return true
  return !(c.req.header('accept') ?? '').includes('text/html')
}

async function errorResponse(c: Context<AppEnv>, err: GatewayError): Promise<Response> {
  c.header('cache-control', 'no-store')
  if (wantsJson(c)) return c.json<ErrorBody>(err.toBody(), err.status)
  return c.html(await errorPage(err.status, err.message), err.status)
}

/** The request as the service sees it: the path under its mount, with `x-forwarded-*` headers. */
function forwardRequest(c: Context<AppEnv>, mount: Mount, path: string): Request {
  const url = new URL(c.req.url)
  const headers = new Headers(c.req.raw.headers)
  headers.set('x-forwarded-host', url.host)
  headers.set('x-forwarded-proto', url.protocol.replace(':', ''))
  if (mount.prefix !== '') headers.set('x-forwarded-prefix', mount.prefix)
  const method = c.req.method
  return new Request(new URL(`${path}${url.search}`, url.origin), {
    method,
    headers,
    body: BODYLESS.has(method) ? null : c.req.raw.body,
    redirect: 'manual',
  })
}

/**
 * A mutable copy of `upstream` whose redirect target, when it stays on this origin (services
 * answer with the origin they were called with, which is the gateway's), moves under the mount.
 */
function adopt(c: Context<AppEnv>, upstream: Response, mount: Mount): Response {
  const res = new Response(upstream.body, upstream)
  const location = res.headers.get('location')
  if (location !== null) {
    const origin = new URL(c.req.url).origin
    const local = location.startsWith(`${origin}/`) ? location.slice(origin.length) : location
    res.headers.set('location', prefixUrl(local, mount.prefix))
  }
  return res
}

async function fromFrontend(
  c: Context<AppEnv>,
  upstream: Response,
  mount: Mount,
  path: string,
): Promise<Response> {
  // A missing page and a failing frontend get the one error page; other refusals (405 to a
  // POST, 416, ...) are the frontend's to make and pass through as they are.
  if (upstream.status === 404 || upstream.status >= 500) {
    await upstream.body?.cancel()
    const shown = new URL(c.req.url).pathname
    throw upstream.status === 404
      ? new GatewayError(404, 'NOT_FOUND', `There is nothing at ${shown}.`)
      : new GatewayError(
          502,
          'SERVICE_UNAVAILABLE',
          `The ${mount.label} answered ${upstream.status} for ${shown}; try again in a moment.`,
        )
  }
  const type = upstream.headers.get('content-type') ?? ''
  let res = adopt(c, upstream, mount)
  res.headers.set('cache-control', frontendCacheControl(path, type, res.status))
  if (type.includes('text/html')) {
    res = rewriteHtml(res, { prefix: mount.prefix, nonce: c.get('nonce') })
  } else if (type.includes('text/css') && mount.prefix !== '') {
    const css = rewriteCss(await res.text(), mount.prefix)
    const headers = new Headers(res.headers)
    headers.delete('content-length')
    headers.delete('etag')
    res = new Response(css, { status: res.status, headers })
  }
  return res
}

function fromApi(c: Context<AppEnv>, upstream: Response, mount: Mount): Response {
  let res = adopt(c, upstream, mount)
  if (!res.headers.has('cache-control')) res.headers.set('cache-control', 'no-store')
  // An API's own HTML (its reference page) gets the CSP nonce and its URLs under the mount.
  if ((res.headers.get('content-type') ?? '').includes('text/html')) {
    res = rewriteHtml(res, { prefix: mount.prefix, nonce: c.get('nonce') })
  }
  return res
}

/**
 * Builds the router: every request is matched against `routes` and forwarded through the
 * route's service binding, or answered 404 without reaching any service.
 * @example
 * ```ts
 * export default createApp()
 * ```
 */
export function createApp(routes: readonly Mount[] = ROUTES) {
  const app = new Hono<AppEnv>()

  app.use('*', async (c, next) => {
    const nonce = newNonce()
    c.set('nonce', nonce)
    await next()
    c.res = new Response(c.res.body, c.res)
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value)
    c.res.headers.set('content-security-policy', contentSecurityPolicy(nonce))
    // Which service answered (the routing table's binding), for debugging through one origin.
    const service = c.get('service')
    if (service) c.res.headers.set('x-frugal-service', service)
    if (new URL(c.req.url).protocol === 'https:') {
      c.res.headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains')
    }
  })

  app.all('*', async (c) => {
    const url = new URL(c.req.url)
    const match = matchRoute(url.pathname, routes)
    if (!match) throw new GatewayError(404, 'NOT_FOUND', `There is nothing at ${url.pathname}.`)
    const { mount, path } = match
    // An app mounted under a prefix is a folder: relative URLs in its pages need the slash.
    if (mount.kind === 'frontend' && mount.prefix !== '' && url.pathname === mount.prefix) {
      return c.redirect(`${mount.prefix}/${url.search}`, 308)
    }
    const service = c.env?.[mount.binding]
    if (!service) {
      throw new GatewayError(
        503,
        'SERVICE_NOT_BOUND',
        `No ${mount.label} is bound to this gateway (service binding ${mount.binding}), so ${mount.prefix || '/'} cannot be served here.`,
      )
    }
    let upstream: Response
    try {
      const forwarded = forwardRequest(c, mount, path)
      upstream = (await service.fetch(forwarded as unknown as WorkersRequest)) as unknown as Response
    } catch (err) {
      throw new GatewayError(502, 'SERVICE_UNAVAILABLE', `The ${mount.label} could not be reached.`, {
        cause: err,
      })
    }
    c.set('service', mount.binding.toLowerCase())
    return mount.kind === 'api' ? fromApi(c, upstream, mount) : fromFrontend(c, upstream, mount, path)
  })

  app.onError((err, c) => {
    if (err instanceof GatewayError) return errorResponse(c, err)
    console.error('unhandled error', err)
    return errorResponse(c, new GatewayError(500, 'INTERNAL', 'Internal error in the gateway.'))
  })

  return app
}
