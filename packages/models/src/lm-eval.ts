import { ModelError } from './errors.ts'
import { FlopCounter } from './flops.ts'
import { type KvPredictor, kvPredictionPrefill } from './kv-prediction.ts'
import type { OpenElm } from './openelm.ts'
import type { TextTokenizer } from './tokenizer.ts'
import { freshTokens } from './tokens.ts'

/** Result of {@link bitsPerByte}. */
export interface LmEval {
  /** Bits per UTF-8 byte of the scored text. */
  bitsPerByte: number
  /** Tokens scored. */
  tokens: number
  /** UTF-8 bytes of the scored tokens. */
  bytes: number
  /** With KV Prediction: the base model alone on the same scored tokens (its own cache for the prompt half). */
  baseBitsPerByte?: number
  /** With KV Prediction: which tokens were scored. */
  scored: 'all' | 'continuation'
  flops: number
}

function logSoftmaxAt(logits: Float32Array, offset: number, vocab: number, target: number): number {
  let max = Number.NEGATIVE_INFINITY
  for (let i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i]!)
  let sum = 0
  for (let i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i]! - max)
  return logits[offset + target]! - max - Math.log(sum)
}

/**
 * Bits per byte of `text` under a decoder: the text is tokenized once and cut into windows of the
 * model's context (each starting with BOS), every token is scored, and the negative log-likelihood in
 * bits is divided by the UTF-8 bytes of the scored tokens.
 *
 * With `kv` (KV Prediction), each window's first half is the prompt: the auxiliary model runs it, the
 * predictor fills the base's cache, and the second half is scored token by token from there (teacher
 * forcing); `baseBitsPerByte` scores the same tokens with the base's own cache.
 */
export function bitsPerByte(
  model: OpenElm,
  tokenizer: TextTokenizer,
  text: string,
  kv?: { aux: OpenElm; predictor: KvPredictor },
): LmEval {
  const ids = tokenizer.encode(text, { specialTokens: false }).ids
  if (ids.length === 0) throw new ModelError('INVALID_ARGUMENT', 'the text has no tokens')
  const bos = model.config.bos_token_id
  const window = model.config.max_context_length - (bos === null ? 0 : 1)
  if (window < 2) throw new ModelError('CONTEXT_OVERFLOW', 'the context is too short to score text')
  const vocab = model.vocabSize
  const flops = new FlopCounter()
  let nats = 0
  let baseNats = 0
  let scoredTokens = 0
  const scoredIds: number[] = []
  for (let start = 0; start < ids.length; start += window) {
    const chunk = ids.slice(start, start + window)
    const input = bos === null ? chunk : [bos, ...chunk]
    const offset = bos === null ? 1 : 0
    // Tokens predicted from position p are input[p + 1]; without BOS the first token is not scored.
    const out = model.forward(model.embed(input), freshTokens(input.length), { logits: 'all', flops })
    if (!kv) {
      for (let p = 0; p + 1 < input.length; p++)
        nats -= logSoftmaxAt(out.logits, p * vocab, vocab, input[p + 1]!)
      scoredTokens += input.length - 1
      scoredIds.push(...chunk.slice(offset))
      continue
    }
    const half = Math.max(1, Math.floor(input.length / 2))
    if (half + 1 > input.length) continue
    const pf = kvPredictionPrefill(model, kv.aux, kv.predictor, input.slice(0, half), flops)
    let logits = pf.logits
    for (let p = half - 1; p + 1 < input.length; p++) {
      nats -= logSoftmaxAt(logits, 0, vocab, input[p + 1]!)
      baseNats -= logSoftmaxAt(out.logits, p * vocab, vocab, input[p + 1]!)
      scoredTokens++
      scoredIds.push(input[p + 1]!)
      if (p + 2 < input.length) {
        logits = model.forward(model.embed([input[p + 1]!]), freshTokens(1, pf.cache.nextPosition), {
          cache: pf.cache,
          flops,
          stage: 'decode',
        }).logits
      }
    }
  }
  const bytes = new TextEncoder().encode(tokenizer.decode(scoredIds, { specialTokens: true })).length
  if (bytes === 0) throw new ModelError('INVALID_ARGUMENT', 'no text was scored')
  const result: LmEval = {
    bitsPerByte: nats / Math.LN2 / bytes,
    tokens: scoredTokens,
    bytes,
    scored: kv ? 'continuation' : 'all',
    flops: flops.total,
  }
  if (kv) result.baseBitsPerByte = baseNats / Math.LN2 / bytes
  return result
}
