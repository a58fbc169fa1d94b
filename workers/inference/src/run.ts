import {
  answerQuestion,
  FlopCounter,
  freshTokens,
  type Generation,
  generate,
  kvPredictionPrefill,
  ModelError,
  parseReductionSpec,
  type ReductionSpec,
} from '@frugal/models'
import { ApiError, invalid } from '@frugal/worker-shared'
import type { z } from 'zod'
import { imageFromPng, imageFromScene, toPixels } from './image.ts'
import { checkReduction, type LoadedSet } from './model-set.ts'
import type {
  ClassifyBody,
  EmbedBody,
  GenerateBody,
  GenerateResponse,
  VqaBody,
  VqaResponse,
} from './schemas.ts'

type GenerateRequest = z.infer<typeof GenerateBody>
type VqaRequest = z.infer<typeof VqaBody>

/** A 400 `UNSUPPORTED_TASK`: the model serves another route. */
function wrongTask(name: string, set: LoadedSet, route: string): ApiError {
  return new ApiError(
    400,
    'UNSUPPORTED_TASK',
    `model "${name}" is a ${set.meta.arch} model serving "${set.meta.task}", not "${route}"`,
    { field: 'name' },
  )
}

/** Runs model code; a refusal of the runtime about the input becomes a 400 naming `field`. */
function guarded<T>(field: string, run: () => T): T {
  try {
    return run()
  } catch (err) {
    if (
      err instanceof ModelError &&
      ['INVALID_ARGUMENT', 'CONTEXT_OVERFLOW', 'TOKEN_OUT_OF_RANGE'].includes(err.code)
    )
      throw invalid(field, err.message)
    throw err
  }
}

/**
 * Starts a generation (not yet iterated): the prompt is tokenized and checked against the
 * context, and the prefill is the plain prompt pass or KV Prediction's predicted cache.
 */
export function startGeneration(name: string, set: LoadedSet, body: GenerateRequest): Generation {
  const m = set.model
  if (m.arch !== 'openelm' || !m.tokenizer) throw wrongTask(name, set, 'generate')
  if (body.kvPrediction && !set.kvp) {
    throw new ApiError(
      400,
      'UNSUPPORTED_TASK',
      `model "${name}" ships no auxiliary model and KV predictor; send kvPrediction: false`,
      { field: 'kvPrediction' },
    )
  }
  const model = m.model
  const ids = guarded('prompt', () => m.tokenizer!.encode(body.prompt).ids)
  const context = model.config.max_context_length
  if (ids.length === 0) throw invalid('prompt', 'tokenizes to no tokens')
  if (ids.length >= context) {
    throw invalid(
      'prompt',
      `is ${ids.length} tokens; the model's context holds ${context} (prompt and at least one new token)`,
    )
  }
  const kvp = body.kvPrediction ? set.kvp : undefined
  return generate(
    model,
    (flops) => {
      if (kvp) {
        const r = kvPredictionPrefill(model, kvp.aux, kvp.predictor, ids, flops)
        return { logits: r.logits, cache: r.cache }
      }
      const cache = model.newCache()
      const out = model.forward(model.embed(ids), freshTokens(ids.length), { cache, flops, logits: 'last' })
      return { logits: out.logits, cache }
    },
    { promptTokens: ids.length, tokenizer: m.tokenizer },
    {
      maxTokens: body.maxTokens,
      temperature: body.temperature,
      seed: body.seed,
      ...(body.topP !== undefined ? { topP: body.topP } : {}),
      ...(body.stop ? { stop: body.stop } : {}),
    },
  )
}

/** The response body of a finished generation. */
export function generationResult(
  name: string,
  set: LoadedSet,
  body: GenerateRequest,
  gen: Generation,
): z.infer<typeof GenerateResponse> {
  const s = gen.stats
  return {
    model: name,
    text: gen.text,
    finishReason: s.finishReason,
    kvPrediction: body.kvPrediction,
    tokens: { prompt: s.promptTokens, completion: s.generatedTokens },
    // The isolate's clock has millisecond steps (and on deployed Workers advances only on I/O):
    // a rate over less than one step would be a division by a clock artefact.
    timing: {
      ttftMs: s.ttftMs,
      tokensPerS: s.totalMs - s.ttftMs >= 1 ? s.tokensPerS : null,
      totalMs: s.totalMs,
    },
    flops: { prefill: s.prefillFlops, decode: s.decodeFlops },
    trained: set.meta.trained,
  }
}

/** The reduction a VQA request runs: its own `reduction`, or the one its `budget` picks. */
function pickReduction(
  set: LoadedSet,
  body: VqaRequest,
): { text: string; spec: ReductionSpec; point?: { flops: number; accuracy: number } } {
  if (body.budget !== undefined) {
    if (body.reduction !== undefined) throw invalid('budget', 'give either `reduction` or `budget`, not both')
    const table = set.meta.costTable
    if (!table) {
      throw invalid(
        'budget',
        'this model has no measured accuracy-cost table (manifest costTable); give `reduction` instead',
      )
    }
    const within = table.filter((p) => p.flops <= body.budget!)
    if (within.length === 0) {
      const cheapest = Math.min(...table.map((p) => p.flops))
      throw invalid(
        'budget',
        `${body.budget} FLOPs is below the cheapest measured setting (${cheapest} FLOPs)`,
      )
    }
    const best = within.reduce((a, b) =>
      b.accuracy > a.accuracy || (b.accuracy === a.accuracy && b.flops < a.flops) ? b : a,
    )
    return {
      text: best.reduction,
      spec: parseReductionSpec(best.reduction),
      point: { flops: best.flops, accuracy: best.accuracy },
    }
  }
  const text = body.reduction?.trim() || 'none'
  let spec: ReductionSpec
  try {
    spec = parseReductionSpec(text)
    checkReduction(set.model, spec)
  } catch (err) {
    if (err instanceof ModelError) {
      throw new ApiError(
        400,
        'UNSUPPORTED_REDUCTION',
        `reduction: ${err.message} (this model supports: ${set.meta.reductions.join(', ')})`,
        {
          field: 'reduction',
        },
      )
    }
    throw err
  }
  return { text, spec }
}

/** Answers a question about an image (PNG bytes or base64, or a scene graph) with a VLM. */
export async function runVqa(
  name: string,
  set: LoadedSet,
  body: VqaRequest,
  png?: Uint8Array,
): Promise<z.infer<typeof VqaResponse>> {
  const m = set.model
  if (m.arch !== 'frugal_vlm' || !m.tokenizer) throw wrongTask(name, set, 'vqa')
  const vision = m.config.vision_config
  const sources = [png ?? body.image, body.scene].filter((s) => s !== undefined).length
  if (sources !== 1) throw invalid('image', 'give exactly one of `image` (a PNG) and `scene` (a scene graph)')
  const image =
    body.scene !== undefined ? imageFromScene(body.scene, vision) : imageFromPng((png ?? body.image)!, vision)
  const reduction = pickReduction(set, body)
  const pixels = toPixels(image, vision)
  const a = await answerQuestion(m.model, m.tokenizer, pixels, body.question, {
    spec: reduction.spec,
    maxTokens: body.maxTokens,
    ...(m.config.prompt_template ? { promptTemplate: m.config.prompt_template } : {}),
  }).catch((err: unknown) => {
    if (err instanceof ModelError && err.code === 'CONTEXT_OVERFLOW') throw invalid('question', err.message)
    throw err
  })
  return {
    model: name,
    answer: a.answer,
    reduction: reduction.text,
    tokensPerLayer: a.prefillTokensPerLayer,
    promptTokens: a.promptTokens,
    cost: { flops: { prefill: a.prefillFlops, decode: a.decodeFlops }, ms: a.ms },
    ...(reduction.point
      ? { budget: { flops: reduction.point.flops, expectedAccuracy: reduction.point.accuracy } }
      : {}),
    trained: set.meta.trained,
  }
}

function bertIds(set: LoadedSet, text: string, field: string): number[] {
  const m = set.model
  if (m.arch !== 'bert' || !m.tokenizer) throw new Error('not a BERT model')
  const ids = guarded(field, () => m.tokenizer!.encode(text).ids)
  const max = m.config.max_position_embeddings
  if (ids.length > max) throw invalid(field, `is ${ids.length} tokens; the model reads at most ${max}`)
  return ids
}

/** Classifies a text with a (possibly APT-pruned) BERT classifier. */
export function runClassify(name: string, set: LoadedSet, body: z.infer<typeof ClassifyBody>) {
  const m = set.model
  if (m.arch !== 'bert' || set.meta.task !== 'classify') throw wrongTask(name, set, 'classify')
  const density = body.density ?? set.meta.densities[0]!
  if (!set.meta.densities.includes(density)) {
    throw new ApiError(
      400,
      'UNSUPPORTED_DENSITY',
      `density: model "${name}" has density ${set.meta.densities.join(', ')}; upload a set pruned to ${density} to serve it`,
      { field: 'density' },
    )
  }
  const ids = bertIds(set, body.text, 'text')
  const start = performance.now()
  const flops = new FlopCounter()
  const out = m.model.forward({ ids }, { flops })
  const logits = out.logits!
  let max = -Infinity
  for (const v of logits) max = Math.max(max, v)
  const exps = Array.from(logits, (v) => Math.exp(v - max))
  const sum = exps.reduce((a, b) => a + b, 0)
  const labels = set.meta.labels!
  const scores = exps.map((e, i) => ({ label: labels[i]!, probability: e / sum }))
  const best = scores.reduce((a, b) => (b.probability > a.probability ? b : a))
  return {
    model: name,
    label: best.label,
    scores,
    density,
    tokens: ids.length,
    cost: { flops: flops.total, ms: performance.now() - start },
    trained: set.meta.trained,
  }
}

/** Embeds texts with a Matryoshka embedder, truncated to `dims` and re-normalised. */
export function runEmbed(name: string, set: LoadedSet, body: z.infer<typeof EmbedBody>) {
  const m = set.model
  if (m.arch !== 'bert' || set.meta.task !== 'embed') throw wrongTask(name, set, 'embed')
  const allowed = set.meta.embeddingDims!
  const dims = body.dims ?? Math.max(...allowed)
  if (!allowed.includes(dims)) {
    throw new ApiError(
      400,
      'INVALID_REQUEST',
      `dims: ${dims} is not one of the model's Matryoshka dims (${allowed.join(', ')})`,
      {
        field: 'dims',
      },
    )
  }
  const start = performance.now()
  const flops = new FlopCounter()
  let tokens = 0
  const embeddings = body.texts.map((t, i) => {
    const ids = bertIds(set, t, `texts.${i}`)
    tokens += ids.length
    const out = m.model.forward({ ids }, { flops })
    return Array.from(m.model.matryoshka(out.embedding!, dims))
  })
  return {
    model: name,
    dims,
    embeddings,
    tokens,
    cost: { flops: flops.total, ms: performance.now() - start },
    trained: set.meta.trained,
  }
}
