import { errorResponse, routeNotFound, UPLOAD_BODY } from '@frugal/worker-shared'
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { Scalar } from '@scalar/hono-api-reference'
import type { Context, MiddlewareHandler } from 'hono'
import { endTime, setMetric, startTime, timing } from 'hono/timing'
import { requireUploadToken } from './auth.ts'
import type { AppEnv } from './env.ts'
import { ApiError, type ErrorBody } from './errors.ts'
import { artifactType, fileRoute } from './files.ts'
import {
  BATCH_BODY_BYTES,
  limitBody,
  limitsOf,
  limitUpload,
  SEARCH_BODY_BYTES,
  shedLoad,
  uploadLimit,
} from './limits.ts'
import {
  BatchBody,
  BatchResponse,
  ErrorResponse,
  IndexDetails,
  IndexList,
  IndexSummary,
  NameParams,
  SearchBody,
  SearchResponse,
} from './schemas.ts'
import { present, runBatch, runSearch } from './search.ts'
import { estimateMemory, IndexStore } from './store.ts'
import { readUpload } from './upload.ts'

/** Version reported by `/healthz` and the OpenAPI document. */
export const API_VERSION = '0.1.0'

/** The field a zod issue is about, as a dotted path (unknown keys name the key). */
function issueField(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String)
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0]!)
  return path.join('.') || 'body'
}

/**
 * The path a router mounts this API under, from `X-Forwarded-Prefix` (e.g. `/api/retrieval`
 * behind workers/gateway), so the reference page and the OpenAPI servers point there; `''`
 * when called directly or when the header is not a plain path.
 */
export function mountPrefix(c: Context<AppEnv>): string {
  const prefix = c.req.header('x-forwarded-prefix') ?? ''
  return /^(\/[A-Za-z0-9._~-]+)+$/.test(prefix) ? prefix : ''
}

const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: ERROR_TEXT[s] ?? 'Error', content: { 'application/json': { schema: ErrorResponse } } },
    ]),
  )
const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request; `error.field` names the field',
  401: 'Missing bearer token',
  403: 'Wrong bearer token, or uploads disabled',
  404: 'Unknown index',
  413: 'Body too large',
  415: 'Unsupported content type',
  409: 'Another upload to this name finished first; nothing was stored',
  422: 'Artifact set rejected (magic, version, size, checksum or content); the previous set still serves',
  503: 'Index in storage cannot be served (`INDEX_UNAVAILABLE`), storage failed (`STORAGE_UNAVAILABLE`) or the worker is overloaded (`OVERLOADED`); retry after `Retry-After` seconds',
  507: 'Index larger than this worker loads (MAX_INDEX_BYTES)',
}

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } })

const searchRoute = createRoute({
  method: 'post',
  path: '/v1/indexes/{name}/search',
  tags: ['search'],
  summary: 'Search one index (dense, lexical or hybrid) with adaptive dims or a compute budget',
  request: { params: NameParams, body: { ...json(SearchBody), required: true } },
  responses: {
    200: {
      description: 'Hits, what the search cost and the settings it ran with; timings in `Server-Timing`',
      ...json(SearchResponse),
    },
    ...errors(400, 404, 413, 415, 503, 507),
  },
})

/**
 * Hono reads `search:batch` as the word `search` followed by a parameter `:batch` (matching any
 * suffix), so the route checks that the suffix is the literal `:batch` (percent-decoded).
 */
const literalBatch: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.param('batch') !== ':batch') {
    throw new ApiError(404, 'NOT_FOUND', `no route ${c.req.method} ${c.req.path}`)
  }
  await next()
}

const batchRoute = createRoute({
  method: 'post',
  path: '/v1/indexes/{name}/search:batch',
  middleware: [literalBatch] as const,
  tags: ['search'],
  summary: 'Run up to 64 searches on one index in one request',
  request: { params: NameParams, body: { ...json(BatchBody), required: true } },
  responses: {
    200: { description: 'One result per query, in order', ...json(BatchResponse) },
    ...errors(400, 404, 413, 415, 503, 507),
  },
})

const listRoute = createRoute({
  method: 'get',
  path: '/v1/indexes',
  tags: ['indexes'],
  summary: 'List the stored index sets',
  responses: { 200: { description: 'Every stored set', ...json(IndexList) } },
})

const showRoute = createRoute({
  method: 'get',
  path: '/v1/indexes/{name}',
  tags: ['indexes'],
  summary: 'Stats, dims, kinds and the tuned recall/FLOPs frontier of one index (loads it)',
  request: { params: NameParams },
  responses: { 200: { description: 'The index', ...json(IndexDetails) }, ...errors(400, 404, 503, 507) },
})

const putRoute = createRoute({
  method: 'put',
  path: '/v1/indexes/{name}',
  tags: ['indexes'],
  summary: 'Upload an index set (the files of `frugal index build --out`) as a tar archive or multipart form',
  description:
    'Every artifact is checked (manifest, sizes, SHA-256, magic, format versions, contents) before it is stored; a rejected upload changes nothing.',
  security: [{ bearer: [] }],
  request: {
    params: NameParams,
    body: UPLOAD_BODY,
  },
  responses: {
    200: { description: 'Replaced the set served under this name', ...json(IndexSummary) },
    201: { description: 'Stored a new set', ...json(IndexSummary) },
    ...errors(400, 401, 403, 409, 413, 415, 422, 503),
  },
})

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['meta'],
  summary: 'Liveness, and whether the index bucket answers',
  responses: {
    200: {
      description: 'Healthy',
      ...json(z.object({ status: z.literal('ok'), version: z.string() }).openapi('Health')),
    },
    503: { description: 'The bucket does not answer', ...json(ErrorResponse) },
  },
})

/**
 * Builds the retrieval API. `store` holds the loaded sets of this isolate.
 * @example
 * ```ts
 * export default createApp()
 * ```
 */
export function createApp(store = new IndexStore()) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return
      const issue = result.error.issues[0]
      const field = issue ? issueField(issue) : 'body'
      throw new ApiError(400, 'INVALID_REQUEST', `${field}: ${issue?.message ?? 'invalid'}`, { field })
    },
  })

  app.use('/v1/*', shedLoad())
  app.use('/v1/*', timing({ totalDescription: 'total', crossOrigin: false }))
  app.use('/v1/indexes/:name/search', limitBody(SEARCH_BODY_BYTES))
  app.use('/v1/indexes/:name/search:batch', limitBody(BATCH_BODY_BYTES))
  app.put('/v1/indexes/:name', requireUploadToken(), limitUpload())

  app.openapi(searchRoute, async (c) => {
    const { name } = c.req.valid('param')
    const body = c.req.valid('json')
    startTime(c, 'load', 'index lookup/load')
    const { index, loaded } = await store.get(c.env.INDEXES, name, limitsOf(c.env))
    endTime(c, 'load')
    if (loaded) setMetric(c, 'cold', 'index loaded from R2')
    const res = await runSearch(index, body)
    setMetric(c, 'embed', res.cost.embedMs, 'query embedding')
    setMetric(c, 'search', res.cost.totalMs, 'retrieval')
    return c.json(present(name, body, res), 200)
  })

  app.openapi(batchRoute, async (c) => {
    const { name } = c.req.valid('param')
    const { queries } = c.req.valid('json')
    startTime(c, 'load', 'index lookup/load')
    const { index, loaded } = await store.get(c.env.INDEXES, name, limitsOf(c.env))
    endTime(c, 'load')
    if (loaded) setMetric(c, 'cold', 'index loaded from R2')
    startTime(c, 'search', 'retrieval')
    const results = await runBatch(index, queries)
    endTime(c, 'search')
    return c.json({ index: name, results: results.map((r, i) => present(name, queries[i]!, r)) }, 200)
  })

  app.openapi(listRoute, async (c) => {
    const heads = await store.list(c.env.INDEXES)
    return c.json({ indexes: heads }, 200)
  })

  app.openapi(showRoute, async (c) => {
    const { name } = c.req.valid('param')
    const { index, head, memoryBytes } = await store.get(c.env.INDEXES, name, limitsOf(c.env))
    const stats = index.stats()
    return c.json(
      {
        ...head,
        loaded: true,
        documents: stats.documents,
        dim: stats.dims,
        kind: stats.denseKind,
        metric: stats.metric,
        modes: stats.modes,
        embedder: stats.embedder.kind,
        memoryBytes,
        frontier: (stats.frontier ?? []).map((p) => ({
          settings: Object.fromEntries(Object.entries(p.settings).filter(([, v]) => typeof v === 'number')),
          recall: p.recall,
          k: p.k,
          flops: p.flops,
        })),
        manifest: index.manifest,
      },
      200,
    )
  })

  app.openapi(
    { ...fileRoute, responses: { ...fileRoute.responses, ...errors(400, 404, 503) } },
    async (c) => {
      const { name, file } = c.req.valid('param')
      const { head, entry, open } = await store.file(c.env.INDEXES, name, file)
      const etag = `"${entry.sha256}"`
      const headers = {
        etag,
        'cache-control': 'no-cache',
        'x-index-version': head.version,
        'content-type': artifactType(file),
      }
      if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers)
      return c.body(await open(), 200, { ...headers, 'content-length': String(entry.bytes) })
    },
  )

  app.openapi(putRoute, async (c) => {
    const { name } = c.req.valid('param')
    const limits = limitsOf(c.env)
    // The body and the set it loads into count against the memory budget from the start, so
    // that uploads and cold loads in flight together stay within the isolate's memory.
    const declared = Number(c.req.header('content-length'))
    const body = Number.isSafeInteger(declared) && declared > 0 ? declared : uploadLimit(c.env)
    const release = store.reserve(
      body + estimateMemory(Math.min(body, limits.maxIndexBytes)),
      limits.cacheBudgetBytes,
    )
    let stored: Awaited<ReturnType<IndexStore['put']>>
    try {
      const files = await readUpload(c.req.raw)
      stored = await store.put(c.env.INDEXES, name, files, limits)
    } finally {
      release()
    }
    const { head, replaced, cleanup } = stored
    try {
      c.executionCtx.waitUntil(cleanup)
    } catch {
      await cleanup
    }
    return c.json(head, replaced ? 200 : 201)
  })

  app.openapi(healthRoute, async (c) => {
    try {
      await c.env.INDEXES.head('heads/')
    } catch {
      return c.json(
        { error: { code: 'INDEX_UNAVAILABLE', message: 'the index bucket does not answer' } },
        503,
      )
    }
    return c.json({ status: 'ok' as const, version: API_VERSION }, 200)
  })

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' })
  app.doc31('/openapi.json', (c) => ({
    openapi: '3.1.0',
    info: {
      title: 'Frugal retrieval API',
      version: API_VERSION,
      description:
        'Adaptive retrieval at the edge: dense (AdANNS), lexical (BM25) and hybrid search over Frugal index sets, with per-query compute budgets.',
    },
    // Behind a router (the gateway mounts this API under /api/retrieval), requests go there.
    ...(mountPrefix(c) ? { servers: [{ url: mountPrefix(c) }] } : {}),
  }))
  app.get('/docs', (c, next) => {
    const prefix = mountPrefix(c)
    return Scalar<AppEnv>({
      url: `${prefix}/openapi.json`,
      pageTitle: 'Frugal retrieval API',
      // Self-hosted bundle (static assets), system fonts, and none of the features that call
      // hosted services: the page makes no request outside this origin.
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
    if (!c.env.ASSETS)
      return c.json<ErrorBody>({ error: { code: 'NOT_FOUND', message: 'no static assets bound' } }, 404)
    return (await c.env.ASSETS.fetch(c.req.raw.url)) as unknown as Response
  })

  app.notFound(routeNotFound)
  app.onError(errorResponse)

  return app
}
