import { ModelError } from './errors.ts'
import type { FlopCounter } from './flops.ts'
import { generate } from './generate.ts'
import type { ReductionSpec } from './reduction-spec.ts'
import { planReductions } from './reductions.ts'
import type { TextTokenizer } from './tokenizer.ts'
import type { Vlm } from './vlm.ts'

/** The prompt a VLM sees for a question: the config's `prompt_template` with `{question}`, or the question. */
export function vqaPrompt(template: string | undefined, question: string): string {
  return template ? template.replaceAll('{question}', question) : question
}

/** An answer and what it cost. */
export interface VqaAnswer {
  answer: string
  /** Decoder tokens before any reduction (visual + registers + question). */
  promptTokens: number
  /** Tokens each decoder layer processed in the prefill (its cache length). */
  prefillTokensPerLayer: number[]
  prefillFlops: number
  decodeFlops: number
  ms: number
}

/**
 * Answer a question about an image with a VLM: greedy decoding of up to `maxTokens` tokens, stopping at
 * EOS or a newline, with the reductions of `spec` (ToMe in the vision tower, PuMer between decoder
 * layers, Victor's visual-token drop) applied through hooks.
 */
export async function answerQuestion(
  vlm: Vlm,
  tokenizer: TextTokenizer,
  pixels: Float32Array,
  question: string,
  opts: { spec?: ReductionSpec; maxTokens?: number; promptTemplate?: string } = {},
): Promise<VqaAnswer> {
  if (question.trim() === '') throw new ModelError('INVALID_ARGUMENT', 'the question is empty')
  const plan = planReductions(opts.spec ?? { victor: false }, {
    visionLayers: vlm.vision.numLayers,
    decoderLayers: vlm.decoder.numLayers,
    canDropVisual: vlm.config.visual_token_drop_layer !== null && vlm.config.num_registers > 0,
    positionalVision: true,
  })
  const ids = tokenizer.encode(vqaPrompt(opts.promptTemplate, question)).ids
  const start = performance.now()
  let lengths: number[] = []
  const gen = generate(
    vlm.decoder,
    (flops: FlopCounter) => {
      const cache = vlm.decoder.newCache()
      const out = vlm.prefill(pixels, ids, cache, {
        visionHooks: plan.visionHooks,
        hooks: plan.decoderHooks,
        dropVisualTokens: plan.dropVisualTokens,
        proportionalAttention: plan.proportionalAttention,
        flops,
      })
      lengths = cache.lengths()
      return { logits: out.logits, cache }
    },
    { promptTokens: vlm.promptLength(ids.length), tokenizer },
    { maxTokens: opts.maxTokens ?? 8, stop: ['\n'] },
  )
  const answer = (await gen.complete()).trim()
  return {
    answer,
    promptTokens: vlm.promptLength(ids.length),
    prefillTokensPerLayer: lengths,
    prefillFlops: gen.stats.prefillFlops,
    decodeFlops: gen.stats.decodeFlops,
    ms: performance.now() - start,
  }
}

/** VQA answers are compared case- and space-insensitively, without a final period. */
export function normaliseAnswer(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\.$/, '')
}
