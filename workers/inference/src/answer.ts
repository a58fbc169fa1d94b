import { FlopCounter } from '@frugal/models'
import { ApiError, invalid } from '@frugal/worker-shared'
import { z } from '@hono/zod-openapi'
import type { Bindings } from './env.ts'
import type { LoadedSet } from './model-set.ts'

/** The ODQA routes: retriever only, retriever + extractive reader, reader over BTR passage codes. */
export const ANSWER_ROUTES = ['retriever', 'retriever-reader', 'btr-reader'] as const

export const AnswerBody = z
  .strictObject({
    question: z
      .string()
      .max(1000)
      .refine((s) => s.trim() !== '', 'must not be empty')
      .openapi({ example: 'who wrote about tariffs?' }),
    index: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'an index name of the retrieval API')
      .openapi({ example: 'default' }),
    route: z.enum(ANSWER_ROUTES).default('retriever-reader').openapi({
      description:
        '`retriever`: passages only; `retriever-reader`: an extractive reader picks the answer span from them; `btr-reader`: the reader over BTR binary passage codes (needs a BTR model)',
    }),
    k: z.number().int().min(1).max(20).default(5).openapi({ description: 'Passages retrieved' }),
    reader: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/)
      .default('frugal-reader')
      .openapi({ description: 'The extractive reader model (task `read`); default the zoo reader' }),
  })
  .openapi('AnswerRequest')

const Stage = z.object({
  stage: z.enum(['retrieve', 'read']),
  ms: z.number(),
  memoryBytes: z.number().int().openapi({ description: "Estimated heap of the stage's loaded artifacts" }),
  flops: z.number().optional(),
})

export const AnswerResponse = z
  .object({
    route: z.enum(ANSWER_ROUTES),
    question: z.string(),
    index: z.string(),
    passages: z.array(
      z.object({ id: z.string(), score: z.number(), title: z.string().optional(), text: z.string() }),
    ),
    answer: z
      .object({
        text: z.string(),
        passage: z.string().openapi({ description: 'The id of the passage the span is in' }),
        span: z.object({ start: z.number().int(), end: z.number().int() }).openapi({
          description: "Token positions (inclusive) of the answer in the reader's input",
        }),
        score: z.number(),
      })
      .optional(),
    stages: z.array(Stage),
    trained: z.boolean().optional().openapi({ description: "The reader's `trained` flag" }),
  })
  .openapi('AnswerResponse')

type Passage = { id: string; score: number; title?: string; text: string }

/**
 * Retrieves passages from an index of the retrieval API through the `RETRIEVAL` service binding
 * (two Workers composed, no HTTP hop): the index's own search with the question as text query.
 */
export async function retrieve(
  env: Bindings,
  index: string,
  question: string,
  k: number,
): Promise<{ passages: Passage[]; memoryBytes: number }> {
  const service = env.RETRIEVAL
  if (!service) {
    throw new ApiError(
      503,
      'SERVICE_NOT_BOUND',
      'no retrieval API is bound to this worker (service binding RETRIEVAL)',
      {
        headers: { 'retry-after': '1' },
      },
    )
  }
  const res = (await service.fetch(`https://retrieval/v1/indexes/${index}/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: question, k }),
  })) as unknown as Response
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as
      | { error?: { code?: string; message?: string } }
      | undefined
    const message = body?.error?.message ?? `the retrieval API answered ${res.status}`
    if (res.status === 404)
      throw new ApiError(404, 'INDEX_NOT_FOUND', `index: ${message}`, { field: 'index' })
    if (res.status === 400) throw invalid('question', `the retrieval API refused it: ${message}`)
    throw new ApiError(503, 'RETRIEVAL_UNAVAILABLE', `the retrieval API answered ${res.status}: ${message}`, {
      headers: { 'retry-after': '1' },
    })
  }
  const found = (await res.json()) as {
    hits: { id: string; score: number; title?: string; snippet?: string }[]
  }
  // The index's own size as the retrieval API reports it (loaded by the search just made).
  const info = (await service.fetch(`https://retrieval/v1/indexes/${index}`)) as unknown as Response
  const memoryBytes = info.ok ? (((await info.json()) as { memoryBytes?: number }).memoryBytes ?? 0) : 0
  return {
    passages: found.hits.map((h) => ({
      id: h.id,
      score: h.score,
      ...(h.title ? { title: h.title } : {}),
      text: h.snippet ?? '',
    })),
    memoryBytes,
  }
}

/** Longest answer span the reader considers, in tokens. */
const MAX_SPAN = 16

/**
 * An extractive reader over the passages: for each, `[CLS] question [SEP] passage [SEP]` (cut to
 * the model's positions), the best start ≤ end within the passage by start + end logit; the best
 * span over all passages wins.
 */
/** Refuses a reader model that is not an extractive reader (400 naming `reader`). */
export function checkReader(set: LoadedSet): void {
  if (set.model.arch !== 'bert' || set.meta.task !== 'read' || !set.model.tokenizer) {
    throw new ApiError(
      400,
      'UNSUPPORTED_TASK',
      `reader: the model is a ${set.meta.arch} model serving "${set.meta.task}", not "read"`,
      { field: 'reader' },
    )
  }
}

export function read(
  set: LoadedSet,
  question: string,
  passages: Passage[],
): {
  answer?: { text: string; passage: string; span: { start: number; end: number }; score: number }
  flops: number
} {
  checkReader(set)
  const m = set.model
  if (m.arch !== 'bert' || !m.tokenizer) throw new Error('not a reader')
  const flops = new FlopCounter()
  const max = m.config.max_position_embeddings
  let best: { text: string; passage: string; span: { start: number; end: number }; score: number } | undefined
  for (const p of passages) {
    if (p.text.trim() === '') continue
    let { ids, typeIds } = m.tokenizer.encode(question, { pair: p.text })
    if (ids.length > max) {
      ids = [...ids.slice(0, max - 1), ids.at(-1)!]
      typeIds = [...typeIds.slice(0, max - 1), typeIds.at(-1)!]
    }
    const out = m.model.forward({ ids, typeIds }, { flops })
    const start = out.startLogits!
    const end = out.endLogits!
    // Passage tokens: segment 1, without the final separator.
    const last = ids.length - 2
    for (let s = 0; s <= last; s++) {
      if (typeIds[s] !== 1) continue
      for (let e = s; e <= Math.min(last, s + MAX_SPAN - 1); e++) {
        const score = start[s]! + end[e]!
        if (!best || score > best.score) {
          best = {
            text: m.tokenizer.decode(ids.slice(s, e + 1)),
            passage: p.id,
            span: { start: s, end: e },
            score,
          }
        }
      }
    }
  }
  return { ...(best ? { answer: best } : {}), flops: flops.total }
}
