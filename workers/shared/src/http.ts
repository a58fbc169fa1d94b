import { type OpenAPIHono, z } from '@hono/zod-openapi'
import { Scalar } from '@scalar/hono-api-reference'
import type { Context, Env } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { ApiError, type ErrorBody } from './errors.ts'

/** The field a zod issue is about, as a dotted path (unknown keys name the key). */
export function issueField(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String)
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0]!)
  return path.join('.') || 'body'
}

/** The `defaultHook` of an OpenAPIHono app: a failed validation is a 400 naming its first field. */
export function validationHook(result: { success: boolean; error?: z.ZodError }): void {
  if (result.success) return
  const issue = result.error?.issues[0]
  const field = issue ? issueField(issue) : 'body'
  throw new ApiError(400, 'INVALID_REQUEST', `${field}: ${issue?.message ?? 'invalid'}`, { field })
}

/**
 * The path a router mounts an API under, from `X-Forwarded-Prefix` (e.g. `/api/retrieval`
 * behind workers/gateway), so the reference page and the OpenAPI servers point there; `''`
 * when called directly or when the header is not a plain path.
 */
export function mountPrefix(c: Context): string {
  const prefix = c.req.header('x-forwarded-prefix') ?? ''
  return /^(\/[A-Za-z0-9._~-]+)+$/.test(prefix) ? prefix : ''
}

/** OpenAPI `responses` entries of the error statuses, each with the one error body. */
export function errorResponses<S>(
  schema: S,
  text: Record<number, string>,
): (
  ...statuses: number[]
) => Record<number, { description: string; content: { 'application/json': { schema: S } } }> {
  return (...statuses) =>
    Object.fromEntries(
      statuses.map((s) => [
        s,
        { description: text[s] ?? 'Error', content: { 'application/json': { schema } } },
      ]),
    )
}

/** The OpenAPI schema of the one error format (`{ error: { code, message, field? } }`). */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'INVALID_REQUEST' }),
      message: z.string(),
      field: z.string().optional().openapi({ description: 'Dotted path of the request field at fault.' }),
    }),
  })
  .openapi('Error')

/** The request body of an upload route: a tar archive or a multipart form of the set's files. */
export const UPLOAD_BODY = {
  required: true,
  content: {
    'application/x-tar': { schema: { type: 'string' as const, format: 'binary' } },
    'multipart/form-data': {
      schema: {
        type: 'object' as const,
        additionalProperties: { type: 'string' as const, format: 'binary' },
      },
    },
  },
}

/** The JSON answer to an error thrown anywhere in a request: `ApiError` as is, hono's own mapped, the rest a 500 without details. */
export function errorResponse(err: Error, c: Context): Response {
  if (err instanceof ApiError) return c.json(err.toBody(), err.status, err.headers)
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message)) {
      return c.json<ErrorBody>(
        { error: { code: 'MALFORMED_JSON', message: 'the body is not valid JSON', field: 'body' } },
        400,
      )
    }
    if (err.status === 415) {
      return c.json<ErrorBody>(
        {
          error: {
            code: 'UNSUPPORTED_MEDIA_TYPE',
            message: 'send the body as application/json',
            field: 'content-type',
          },
        },
        415,
      )
    }
    const status = err.status
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 401 ? 'UNAUTHORIZED' : 'INVALID_REQUEST'
    return c.json<ErrorBody>({ error: { code, message: err.message || 'invalid request' } }, status)
  }
  console.error('unhandled error', err)
  return c.json<ErrorBody>({ error: { code: 'INTERNAL', message: 'internal error' } }, 500)
}

/** The 404 of a route that does not exist. */
export function routeNotFound(c: Context): Response {
  return c.json<ErrorBody>(
    { error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } },
    404,
  )
}

/**
 * Mounts `/openapi.json` (OpenAPI 3.1, with the gateway's mount prefix as server), `/docs` (the
 * Scalar reference page, self-hosted: no request leaves the origin) and `/docs/scalar.js` (from
 * the `ASSETS` binding), plus the JSON 404 and error handlers.
 */
export function mountMeta<
  E extends Env & { Bindings: { ASSETS?: { fetch(url: string): Promise<unknown> } } },
>(app: OpenAPIHono<E>, info: { title: string; version: string; description: string }): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' })
  app.doc31('/openapi.json', (c) => ({
    openapi: '3.1.0',
    info,
    ...(mountPrefix(c) ? { servers: [{ url: mountPrefix(c) }] } : {}),
  }))
  app.get('/docs', (c, next) => {
    const prefix = mountPrefix(c)
    return Scalar<E>({
      url: `${prefix}/openapi.json`,
      pageTitle: info.title,
      cdn: `${prefix}/docs/scalar.js`,
      withDefaultFonts: false,
      telemetry: false,
      agent: { disabled: true },
      mcp: { disabled: true },
      showDeveloperTools: 'never',
    })(c, next)
  })
  // The asset router serves this before the worker runs; this route covers runtimes that route
  // every request to the worker first.
  app.get('/docs/scalar.js', async (c) => {
    const assets = (c.env as E['Bindings']).ASSETS
    if (!assets)
      return c.json<ErrorBody>({ error: { code: 'NOT_FOUND', message: 'no static assets bound' } }, 404)
    return (await assets.fetch(c.req.raw.url)) as unknown as Response
  })
  app.notFound(routeNotFound)
  app.onError(errorResponse)
}
