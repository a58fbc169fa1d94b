import { z } from '@hono/zod-openapi'

/** Longest prompt or text, in characters (the models' contexts are far shorter in tokens). */
export const MAX_TEXT_CHARS = 8192
/** Most tokens one request may generate. */
export const MAX_NEW_TOKENS = 512
/** Largest PNG accepted (decoded bytes of `image`). */
export const MAX_IMAGE_BYTES = 1024 * 1024
/** Most texts one `embed` request embeds. */
export const MAX_EMBED_TEXTS = 32

export const ModelName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" or "-", at most 63 characters')
  .openapi({ param: { name: 'name', in: 'path' }, example: 'openelm' })

export const NameParams = z.object({ name: ModelName })

export { ErrorResponse } from '@frugal/worker-shared'

const text = (what: string) =>
  z
    .string()
    .max(MAX_TEXT_CHARS)
    .refine((s) => s.trim() !== '', 'must not be empty')
    .openapi({ description: what })

export const GenerateBody = z
  .strictObject({
    prompt: text('The text to continue.').openapi({ example: 'Fellow-Citizens of the Senate' }),
    maxTokens: z
      .number()
      .int()
      .min(1)
      .max(MAX_NEW_TOKENS)
      .default(32)
      .openapi({ description: 'Tokens to generate at most.' }),
    temperature: z.number().min(0).max(2).default(0).openapi({ description: '0 is greedy.' }),
    topP: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .openapi({ description: 'Nucleus sampling: the smallest token set reaching this probability.' }),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(0)
      .openapi({ description: 'Sampler seed: the same seed gives the same tokens.' }),
    stop: z
      .array(z.string().min(1).max(64))
      .max(4)
      .optional()
      .openapi({ description: 'Stop when the text contains one of these; the text is cut before it.' }),
    stream: z
      .boolean()
      .default(false)
      .openapi({ description: 'Answer with server-sent events, one `token` event per token, then `done`.' }),
    kvPrediction: z.boolean().default(false).openapi({
      description:
        "Prefill with the model's auxiliary model and KV predictor (KV Prediction); needs a set that ships them.",
    }),
  })
  .openapi('GenerateRequest')

const Flops = z.object({ prefill: z.number(), decode: z.number() })

export const GenerateResponse = z
  .object({
    model: z.string(),
    text: z.string(),
    finishReason: z.enum(['stop', 'length', 'context']),
    kvPrediction: z.boolean(),
    tokens: z.object({ prompt: z.number().int(), completion: z.number().int() }),
    timing: z.object({
      ttftMs: z.number().openapi({ description: 'Milliseconds to the first token (prefill included)' }),
      tokensPerS: z.number().nullable().openapi({
        description:
          "Generated tokens per second after the first; null when the isolate's clock did not advance",
      }),
      totalMs: z.number(),
    }),
    flops: Flops.openapi({ description: 'Multiply-add FLOPs spent in the prefill and in decoding' }),
    trained: z
      .boolean()
      .openapi({ description: 'False for random-initialised test models: the text carries no meaning' }),
  })
  .openapi('GenerateResponse')

export const VqaBody = z
  .strictObject({
    image: z
      .string()
      .max(Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 4)
      .optional()
      .openapi({ description: "A PNG (8-bit RGB or RGBA) of the model's image size, base64-encoded." }),
    scene: z.record(z.string(), z.unknown()).optional().openapi({
      description:
        "A @frugal/synth scene graph, rendered in the worker (its width and height must be the model's image size).",
    }),
    question: text('The question about the image.').openapi({ example: 'what colour is the circle?' }),
    reduction: z.string().max(200).optional().openapi({
      description:
        'none, or parts joined by "+": tome:r=R, pumer:keep=K,merge=M, victor; only what the model supports.',
      example: 'tome:r=2',
    }),
    budget: z.number().positive().optional().openapi({
      description:
        "FLOPs per answer: picks the most accurate reduction within it from the model's measured accuracy-cost table.",
    }),
    maxTokens: z.number().int().min(1).max(32).default(8),
  })
  .openapi('VqaRequest')

export const VqaResponse = z
  .object({
    model: z.string(),
    answer: z.string(),
    reduction: z
      .string()
      .openapi({ description: 'The reduction that ran (the one asked for, or the one the budget picked)' }),
    tokensPerLayer: z
      .array(z.number().int())
      .openapi({ description: 'Tokens each decoder layer kept in the prefill' }),
    promptTokens: z
      .number()
      .int()
      .openapi({ description: 'Decoder tokens before any reduction (visual, registers, question)' }),
    cost: z.object({ flops: Flops, ms: z.number() }),
    budget: z
      .object({ flops: z.number(), expectedAccuracy: z.number() })
      .optional()
      .openapi({ description: 'With `budget`: the measured point the reduction was picked from' }),
    trained: z.boolean(),
  })
  .openapi('VqaResponse')

export const ClassifyBody = z
  .strictObject({
    text: text('The text to classify.'),
    density: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .openapi({ description: 'Parameter density of an APT-pruned classifier; one the model has.' }),
  })
  .openapi('ClassifyRequest')

export const ClassifyResponse = z
  .object({
    model: z.string(),
    label: z.string(),
    scores: z.array(z.object({ label: z.string(), probability: z.number() })),
    density: z.number(),
    tokens: z.number().int(),
    cost: z.object({ flops: z.number(), ms: z.number() }),
    trained: z.boolean(),
  })
  .openapi('ClassifyResponse')

export const EmbedBody = z
  .strictObject({
    texts: z.array(text('A text.')).min(1).max(MAX_EMBED_TEXTS),
    dims: z.number().int().min(1).optional().openapi({
      description: "Matryoshka prefix length: one of the model's embedding dims (default the largest).",
    }),
  })
  .openapi('EmbedRequest')

export const EmbedResponse = z
  .object({
    model: z.string(),
    dims: z.number().int(),
    embeddings: z.array(z.array(z.number())),
    tokens: z.number().int(),
    cost: z.object({ flops: z.number(), ms: z.number() }),
    trained: z.boolean(),
  })
  .openapi('EmbedResponse')

const CostPoint = z.object({ reduction: z.string(), accuracy: z.number(), flops: z.number() })

export const ModelMetaSchema = z.object({
  arch: z.string().openapi({ description: 'openelm, bert, vit, frugal_vlm or clip' }),
  task: z
    .string()
    .openapi({ description: 'generate, vqa, classify, embed, read, image-classify or image-text' }),
  description: z.string(),
  trained: z.boolean().openapi({ description: 'False for random-initialised test models' }),
  parameters: z.number().int(),
  weightBytes: z.number().int(),
  memoryBytes: z.number().int().openapi({ description: 'Estimated heap once loaded' }),
  layers: z.number().int(),
  maxContext: z.number().int().optional(),
  imageSize: z.number().int().optional(),
  reductions: z.array(z.string()),
  kvPrediction: z.boolean(),
  embeddingDims: z.array(z.number().int()).optional(),
  densities: z.array(z.number()),
  labels: z.array(z.string()).optional(),
  costTable: z.array(CostPoint).optional(),
})

export const ModelSummary = z
  .object({
    name: z.string(),
    version: z.string(),
    uploadedAt: z.string(),
    bytes: z.number().int(),
    files: z.array(z.object({ name: z.string(), bytes: z.number().int(), sha256: z.string() })),
    meta: ModelMetaSchema.optional(),
  })
  .openapi('ModelSummary')

export const ModelList = z.object({ models: z.array(ModelSummary) }).openapi('ModelList')

export const ModelDetails = ModelSummary.extend({
  loaded: z.boolean().openapi({ description: 'Whether this isolate holds the model in memory' }),
}).openapi('ModelDetails')
