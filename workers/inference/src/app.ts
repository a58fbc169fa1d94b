import {
  ApiError,
  byteLimit,
  errorResponses,
  limitBody,
  limitBodyBy,
  mountMeta,
  readUpload,
  requireUploadToken,
  shedLoad,
  UPLOAD_BODY,
  validationHook,
} from '@frugal/worker-shared'
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import { endTime, setMetric, startTime, timing } from 'hono/timing'
import { AnswerBody, AnswerResponse, checkReader, read, retrieve } from './answer.ts'
import { type AppEnv, DEFAULT_MAX_CONCURRENT_REQUESTS, limitsOf } from './env.ts'
import { generationResult, runClassify, runEmbed, runVqa, startGeneration } from './run.ts'
import {
  ClassifyBody,
  ClassifyResponse,
  EmbedBody,
  EmbedResponse,
  ErrorResponse,
  GenerateBody,
  GenerateResponse,
  MAX_IMAGE_BYTES,
  ModelDetails,
  ModelList,
  ModelSummary,
  NameParams,
  VqaBody,
  VqaResponse,
} from './schemas.ts'
import { ModelStore } from './store.ts'

/** Version reported by `/healthz` and the OpenAPI document. */
export const API_VERSION = '0.1.0'

/** Largest `generate`, `classify` body. */
export const TEXT_BODY_BYTES = 64 * 1024
/** Largest `embed` body (32 texts). */
export const EMBED_BODY_BYTES = 512 * 1024
/** Largest `vqa` body: a base64 PNG of {@link MAX_IMAGE_BYTES} plus the other fields. */
export const VQA_BODY_BYTES = Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 64 * 1024
/** Room for tar headers / multipart boundaries on top of the files themselves. */
const UPLOAD_OVERHEAD_BYTES = 256 * 1024

const errors = errorResponses(ErrorResponse, {
  400: 'Invalid request; `error.field` names the field (`INVALID_REQUEST`, `UNSUPPORTED_REDUCTION`, `UNSUPPORTED_TASK`, `UNSUPPORTED_DENSITY`, `MALFORMED_JSON`)',
  401: 'Missing bearer token',
  403: 'Wrong bearer token, or uploads disabled',
  404: 'Unknown model (`MODEL_NOT_FOUND`)',
  409: 'Another upload to this name finished first; nothing was stored',
  413: 'Body, image or model set too large',
  415: 'Unsupported content type',
  422: 'Model set rejected (manifest, size, checksum, config, weights, tokenizer); the previous set still serves',
  503: 'Model in storage cannot be served (`MODEL_UNAVAILABLE`), storage failed (`STORAGE_UNAVAILABLE`) or the worker is overloaded (`OVERLOADED`); retry after `Retry-After` seconds',
  507: 'Model larger than this worker loads (MAX_MODEL_BYTES)',
})

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } })

const generateRoute = createRoute({
  method: 'post',
  path: '/v1/models/{name}/generate',
  tags: ['inference'],
  summary: 'Generate text with a decoder (optionally streamed, optionally with KV Prediction)',
  description:
    'With `stream: true` the answer is `text/event-stream`: one `token` event per token (`{index, id, text}`; the text of a token is held back while its UTF-8 character is incomplete), then one `done` event with the body of the non-streamed answer (whose `text` also has an incomplete character left at the end, as U+FFFD), or an `error` event (`{error}`) if generation fails midway. A client that disconnects stops the generation.',
  request: { params: NameParams, body: { ...json(GenerateBody), required: true } },
  responses: {
    200: {
      description: 'The text, token counts, time to first token, tokens/s and FLOPs of prefill and decode',
      content: {
        'application/json': { schema: GenerateResponse },
        'text/event-stream': { schema: { type: 'string' } },
      },
    },
    ...errors(400, 404, 413, 415, 503, 507),
  },
})

const vqaRoute = createRoute({
  method: 'post',
  path: '/v1/models/{name}/vqa',
  tags: ['inference'],
  summary: 'Answer a question about an image with a VLM, with a token reduction or a compute budget',
  description:
    'JSON with `image` (base64 PNG) or `scene` (a @frugal/synth scene graph), or multipart/form-data with an `image` file part and `question`, `reduction`, `budget`, `maxTokens` text parts.',
  request: {
    params: NameParams,
    body: {
      required: false,
      content: {
        'application/json': { schema: VqaBody },
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['image', 'question'],
            properties: {
              image: { type: 'string', format: 'binary' },
              question: { type: 'string' },
              reduction: { type: 'string' },
              budget: { type: 'number' },
              maxTokens: { type: 'integer' },
            },
          },
        },
      },
    },
  },
  responses: {
    200: { description: 'The answer, tokens kept per decoder layer and the cost', ...json(VqaResponse) },
    ...errors(400, 404, 413, 415, 503, 507),
  },
})

const classifyRoute = createRoute({
  method: 'post',
  path: '/v1/models/{name}/classify',
  tags: ['inference'],
  summary: 'Classify a text (APT-pruned classifiers: pick the density)',
  request: { params: NameParams, body: { ...json(ClassifyBody), required: true } },
  responses: {
    200: { description: 'The label, every class probability and the cost', ...json(ClassifyResponse) },
    ...errors(400, 404, 413, 415, 503, 507),
  },
})

const embedRoute = createRoute({
  method: 'post',
  path: '/v1/models/{name}/embed',
  tags: ['inference'],
  summary: 'Embed texts with a Matryoshka embedder (pick the dims)',
  request: { params: NameParams, body: { ...json(EmbedBody), required: true } },
  responses: {
    200: { description: 'Unit-length embeddings of `dims` numbers and the cost', ...json(EmbedResponse) },
    ...errors(400, 404, 413, 415, 503, 507),
  },
})

const answerRoute = createRoute({
  method: 'post',
  path: '/v1/answer',
  tags: ['inference'],
  summary:
    'Open-domain QA over an index of the retrieval API (service binding): retriever only, or retriever + reader',
  description:
    'The retrieval API is called through the `RETRIEVAL` service binding. The reader reads the passages as the retrieval API returns them (its snippets around the query words).',
  request: { body: { ...json(AnswerBody), required: true } },
  responses: {
    200: {
      description: 'The route that ran, the passages, the answer span and time and memory per stage',
      ...json(AnswerResponse),
    },
    ...errors(400, 404, 413, 415, 503, 507),
  },
})

const listRoute = createRoute({
  method: 'get',
  path: '/v1/models',
  tags: ['models'],
  summary:
    'Every deployed model: architecture, task, parameters, bytes, supported reductions (loads nothing)',
  responses: { 200: { description: 'Every stored model set', ...json(ModelList) } },
})

const showRoute = createRoute({
  method: 'get',
  path: '/v1/models/{name}',
  tags: ['models'],
  summary: 'One model: architecture, task, parameters, bytes, reductions, KV Prediction, dims, cost table',
  request: { params: NameParams },
  responses: { 200: { description: 'The model', ...json(ModelDetails) }, ...errors(400, 404, 503) },
})

const putRoute = createRoute({
  method: 'put',
  path: '/v1/models/{name}',
  tags: ['models'],
  summary:
    'Upload a model set (manifest.json, config.json, model.safetensors, tokenizer.json, optional KV Prediction pair) as tar or multipart',
  description:
    'The whole set is loaded before anything is stored: the manifest (every file with its size and SHA-256), the config, every weight tensor against it, the tokenizer, the KV predictor against its pair. A rejected upload changes nothing.',
  security: [{ bearer: [] }],
  request: {
    params: NameParams,
    body: UPLOAD_BODY,
  },
  responses: {
    200: { description: 'Replaced the set served under this name', ...json(ModelSummary) },
    201: { description: 'Stored a new set', ...json(ModelSummary) },
    ...errors(400, 401, 403, 409, 413, 415, 422, 503),
  },
})

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['meta'],
  summary: 'Liveness, and whether the model bucket answers',
  responses: {
    200: {
      description: 'Healthy',
      ...json(z.object({ status: z.literal('ok'), version: z.string() }).openapi('Health')),
    },
    503: { description: 'The bucket does not answer', ...json(ErrorResponse) },
  },
})

/** Reads a multipart VQA request into the JSON body's shape (the image as bytes). */
async function readVqaForm(c: Context<AppEnv>): Promise<{ body: unknown; png: Uint8Array | undefined }> {
  let form: FormData
  try {
    form = await c.req.raw.formData()
  } catch {
    throw new ApiError(400, 'INVALID_REQUEST', 'the body is not valid multipart/form-data', { field: 'body' })
  }
  const body: Record<string, unknown> = {}
  let png: Uint8Array | undefined
  for (const [key, value] of form.entries()) {
    if (key === 'image') {
      if (typeof value === 'string')
        throw new ApiError(400, 'INVALID_REQUEST', 'image: must be a file part', { field: 'image' })
      png = new Uint8Array(await (value as File).arrayBuffer())
    } else if (typeof value !== 'string') {
      throw new ApiError(400, 'INVALID_REQUEST', `${key}: must be a text part`, { field: key })
    } else if (key === 'budget' || key === 'maxTokens') {
      const n = Number(value)
      body[key] = value.trim() === '' || !Number.isFinite(n) ? value : n
    } else {
      body[key] = value
    }
  }
  return { body, png }
}

/**
 * Builds the inference API. `store` holds the loaded models of this isolate.
 * @example
 * ```ts
 * export default createApp()
 * ```
 */
export function createApp(store = new ModelStore()) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })

  app.use(
    '/v1/*',
    shedLoad<AppEnv>((env) => byteLimit(env.MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_CONCURRENT_REQUESTS)),
  )
  app.use('/v1/*', timing({ totalDescription: 'total', crossOrigin: false }))
  app.use('/v1/models/:name/generate', limitBody(TEXT_BODY_BYTES))
  app.use('/v1/models/:name/classify', limitBody(TEXT_BODY_BYTES))
  app.use('/v1/models/:name/embed', limitBody(EMBED_BODY_BYTES))
  app.use('/v1/models/:name/vqa', limitBody(VQA_BODY_BYTES))
  app.use('/v1/answer', limitBody(TEXT_BODY_BYTES))
  app.put(
    '/v1/models/:name',
    requireUploadToken<AppEnv>('frugal-inference'),
    limitBodyBy<AppEnv>((env) => limitsOf(env).maxModelBytes + UPLOAD_OVERHEAD_BYTES),
  )

  /** The loaded model, timed as `load` (and `cold` when it came from R2). */
  const load = async (c: Context<AppEnv>, name: string) => {
    startTime(c, 'load', 'model lookup/load')
    const got = await store.get(c.env.MODELS, name, limitsOf(c.env))
    endTime(c, 'load')
    if (got.loaded) setMetric(c, 'cold', 'model loaded from R2')
    return got
  }

  app.openapi(generateRoute, async (c) => {
    const { name } = c.req.valid('param')
    const body = c.req.valid('json')
    const { set } = await load(c, name)
    const gen = startGeneration(name, set, body)
    if (!body.stream) {
      await gen.complete()
      setMetric(c, 'ttft', gen.stats.ttftMs, 'time to first token')
      setMetric(c, 'generate', gen.stats.totalMs, 'generation')
      return c.json(generationResult(name, set, body, gen), 200)
    }
    return streamSSE(c, async (stream) => {
      let index = 0
      try {
        for await (const token of gen) {
          if (stream.aborted) break
          await stream.writeSSE({
            event: 'token',
            data: JSON.stringify({ index: index++, id: token.id, text: token.text }),
          })
        }
        if (!stream.aborted)
          await stream.writeSSE({
            event: 'done',
            data: JSON.stringify(generationResult(name, set, body, gen)),
          })
      } catch (err) {
        const error =
          err instanceof ApiError ? err.toBody().error : { code: 'INTERNAL', message: 'generation failed' }
        if (!(err instanceof ApiError)) console.error('generation failed', err)
        if (!stream.aborted) await stream.writeSSE({ event: 'error', data: JSON.stringify({ error }) })
      }
    }) as unknown as never
  })

  app.openapi(vqaRoute, async (c) => {
    const { name } = c.req.valid('param')
    const type = (c.req.header('content-type') ?? '').toLowerCase()
    let raw: unknown
    let png: Uint8Array | undefined
    if (type.startsWith('multipart/form-data')) ({ body: raw, png } = await readVqaForm(c))
    else raw = c.req.valid('json' as never) as unknown
    const parsed = VqaBody.safeParse(raw)
    if (!parsed.success) validationHook(parsed)
    const body = parsed.data!
    const { set } = await load(c, name)
    const res = await runVqa(name, set, body, png)
    setMetric(c, 'answer', res.cost.ms, 'vqa')
    return c.json(res, 200)
  })

  app.openapi(classifyRoute, async (c) => {
    const { name } = c.req.valid('param')
    const { set } = await load(c, name)
    const res = runClassify(name, set, c.req.valid('json'))
    setMetric(c, 'classify', res.cost.ms, 'classification')
    return c.json(res, 200)
  })

  app.openapi(embedRoute, async (c) => {
    const { name } = c.req.valid('param')
    const { set } = await load(c, name)
    const res = runEmbed(name, set, c.req.valid('json'))
    setMetric(c, 'embed', res.cost.ms, 'embedding')
    return c.json(res, 200)
  })

  app.openapi(answerRoute, async (c) => {
    const body = c.req.valid('json')
    if (body.route === 'btr-reader') {
      throw new ApiError(
        400,
        'UNSUPPORTED_ROUTE',
        'route: btr-reader needs a BTR reader with binary passage codes, which no deployed model provides; use retriever or retriever-reader',
        { field: 'route' },
      )
    }
    // The reader first: a wrong reader is refused before the retrieval API is asked.
    const reader =
      body.route === 'retriever-reader'
        ? await load(c, body.reader).catch((err: unknown) => {
            if (err instanceof ApiError && err.code === 'MODEL_NOT_FOUND')
              throw new ApiError(404, 'MODEL_NOT_FOUND', `reader: no model named "${body.reader}"`, {
                field: 'reader',
              })
            throw err
          })
        : undefined
    if (reader) checkReader(reader.set)
    const t0 = performance.now()
    startTime(c, 'retrieve', 'retrieval API (service binding)')
    const { passages, memoryBytes } = await retrieve(c.env, body.index, body.question, body.k)
    endTime(c, 'retrieve')
    const t1 = performance.now()
    const stages: { stage: 'retrieve' | 'read'; ms: number; memoryBytes: number; flops?: number }[] = [
      { stage: 'retrieve', ms: t1 - t0, memoryBytes },
    ]
    let answer: ReturnType<typeof read>['answer']
    if (reader) {
      const r = read(reader.set, body.question, passages)
      answer = r.answer
      const ms = performance.now() - t1
      setMetric(c, 'read', ms, 'reader')
      stages.push({ stage: 'read', ms, memoryBytes: reader.set.meta.memoryBytes, flops: r.flops })
    }
    return c.json(
      {
        route: body.route,
        question: body.question,
        index: body.index,
        passages,
        ...(answer ? { answer } : {}),
        stages,
        ...(reader ? { trained: reader.set.meta.trained } : {}),
      },
      200,
    )
  })

  app.openapi(listRoute, async (c) => c.json({ models: await store.list(c.env.MODELS) }, 200))

  app.openapi(showRoute, async (c) => {
    const { name } = c.req.valid('param')
    const head = await store.head(c.env.MODELS, name)
    return c.json({ ...head, loaded: store.cache.isLoaded(name) }, 200)
  })

  app.openapi(putRoute, async (c) => {
    const { name } = c.req.valid('param')
    const limits = limitsOf(c.env)
    // The body and the model it loads into count against the memory budget from the start, so
    // that uploads and cold loads in flight together stay within the isolate's memory.
    const declared = Number(c.req.header('content-length'))
    const bodyBytes = Number.isSafeInteger(declared) && declared > 0 ? declared : limits.maxModelBytes
    const release = store.cache.reserve(
      bodyBytes + 2 * Math.min(bodyBytes, limits.maxModelBytes),
      limits.cacheBudgetBytes,
    )
    let stored: Awaited<ReturnType<ModelStore['put']>>
    try {
      const files = await readUpload(c.req.raw, { what: 'model set' })
      stored = await store.put(c.env.MODELS, name, files, limits)
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
      await c.env.MODELS.head('heads/')
    } catch {
      return c.json(
        { error: { code: 'MODEL_UNAVAILABLE', message: 'the model bucket does not answer' } },
        503,
      )
    }
    return c.json({ status: 'ok' as const, version: API_VERSION }, 200)
  })

  mountMeta(app, {
    title: 'Frugal inference API',
    version: API_VERSION,
    description:
      'Token-reduced inference at the edge: generation with KV Prediction, VQA with ToMe, PuMer and Victor, APT-pruned classifiers and Matryoshka embeddings, on Frugal model sets served from R2.',
  })
  return app
}
