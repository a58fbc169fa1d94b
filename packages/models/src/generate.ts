import { ModelError } from './errors.ts'
import { FlopCounter } from './flops.ts'
import type { KvCache } from './kv-cache.ts'
import type { OpenElm } from './openelm.ts'
import { mulberry32 } from './random.ts'
import type { TextTokenizer } from './tokenizer.ts'
import { freshTokens } from './tokens.ts'

/** How to pick each next token. */
export interface SamplingOptions {
  /** Tokens to generate at most (default 32). */
  maxTokens?: number
  /** 0 (the default) is greedy; otherwise logits are divided by it before sampling. */
  temperature?: number
  /** Sample only among the k most likely tokens. */
  topK?: number
  /** Sample only among the smallest set of tokens whose probability reaches p (nucleus). */
  topP?: number
  /** Seed of the sampler (default 0): the same seed gives the same tokens. */
  seed?: number
  /** Stop when the generated text contains one of these; the text is cut before it. */
  stop?: readonly string[]
  /** Stop at these token ids (default: the model's EOS). */
  stopTokens?: readonly number[]
}

/** One streamed token. */
export interface GeneratedToken {
  id: number
  /** The text this token adds (held back while a UTF-8 character is incomplete). */
  text: string
}

/** Compute and time spent by a generation. */
export interface GenerationStats {
  promptTokens: number
  generatedTokens: number
  /** Milliseconds from the start until the first token was known. */
  ttftMs: number
  /** Generated tokens per second after the first one (0 when fewer than two). */
  tokensPerS: number
  totalMs: number
  prefillFlops: number
  decodeFlops: number
  finishReason: 'stop' | 'length' | 'context'
}

/** Prefill result a generation starts from: the last position's logits and the filled cache. */
export interface PrefillResult {
  logits: Float32Array
  cache: KvCache
}

function validate(
  opts: SamplingOptions,
): Required<Pick<SamplingOptions, 'maxTokens' | 'temperature' | 'seed'>> {
  const maxTokens = opts.maxTokens ?? 32
  const temperature = opts.temperature ?? 0
  const seed = opts.seed ?? 0
  if (!Number.isInteger(maxTokens) || maxTokens < 0) {
    throw new ModelError('INVALID_ARGUMENT', `maxTokens must be a non-negative integer, got ${maxTokens}`)
  }
  if (!Number.isFinite(temperature) || temperature < 0) {
    throw new ModelError('INVALID_ARGUMENT', `temperature must be ≥ 0, got ${temperature}`)
  }
  if (opts.topK !== undefined && (!Number.isInteger(opts.topK) || opts.topK < 1)) {
    throw new ModelError('INVALID_ARGUMENT', `topK must be a positive integer, got ${opts.topK}`)
  }
  if (opts.topP !== undefined && !(opts.topP > 0 && opts.topP <= 1)) {
    throw new ModelError('INVALID_ARGUMENT', `topP must be in (0, 1], got ${opts.topP}`)
  }
  if (!Number.isInteger(seed))
    throw new ModelError('INVALID_ARGUMENT', `seed must be an integer, got ${seed}`)
  return { maxTokens, temperature, seed }
}

/** Index of the largest logit (the first on ties). */
export function argmax(logits: Float32Array): number {
  let best = 0
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i
  return best
}

/**
 * Pick a token from `logits`: greedy at temperature 0, else softmax(logits / T) restricted to the top-k
 * and then to the top-p nucleus, sampled with `uniform`.
 */
export function sampleToken(logits: Float32Array, opts: SamplingOptions, uniform: () => number): number {
  const t = opts.temperature ?? 0
  if (t === 0) return argmax(logits)
  const order = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]!)
  const k = Math.min(opts.topK ?? order.length, order.length)
  const max = logits[order[0]!]!
  const p = new Float64Array(k)
  let sum = 0
  for (let i = 0; i < k; i++) {
    p[i] = Math.exp((logits[order[i]!]! - max) / t)
    sum += p[i]!
  }
  let keep = k
  if (opts.topP !== undefined && opts.topP < 1) {
    let acc = 0
    for (let i = 0; i < k; i++) {
      acc += p[i]! / sum
      if (acc >= opts.topP) {
        keep = i + 1
        break
      }
    }
  }
  let mass = 0
  for (let i = 0; i < keep; i++) mass += p[i]!
  let r = uniform() * mass
  for (let i = 0; i < keep; i++) {
    r -= p[i]!
    if (r <= 0) return order[i]!
  }
  return order[keep - 1]!
}

/**
 * A running generation: iterate it (`for await`) for tokens as they are produced; `stats` and `text`
 * are final once the iteration ends.
 */
export class Generation implements AsyncIterable<GeneratedToken> {
  readonly ids: number[] = []
  text = ''
  stats: GenerationStats
  #run: () => AsyncGenerator<GeneratedToken>
  #started = false

  constructor(promptTokens: number, run: (g: Generation) => AsyncGenerator<GeneratedToken>) {
    this.stats = {
      promptTokens,
      generatedTokens: 0,
      ttftMs: 0,
      tokensPerS: 0,
      totalMs: 0,
      prefillFlops: 0,
      decodeFlops: 0,
      finishReason: 'length',
    }
    this.#run = () => run(this)
  }

  [Symbol.asyncIterator](): AsyncIterator<GeneratedToken> {
    if (this.#started) throw new ModelError('INVALID_ARGUMENT', 'a generation can be iterated once')
    this.#started = true
    return this.#run()
  }

  /** Run to the end and return the text. */
  async complete(): Promise<string> {
    for await (const _ of this) {
      // Consume the stream; tokens accumulate in `ids` and `text`.
    }
    return this.text
  }
}

/**
 * Where a generation gets its logits: the prompt pass, then one step per generated token. The native
 * runtime, KV Prediction and whole-graph ONNX backends all fit this shape.
 */
export interface LogitsSource {
  /** The logits `[vocab]` after the prompt; `flops` counts the native runtime's work. */
  prefill(flops: FlopCounter): Float32Array | Promise<Float32Array>
  /** Append token `id`; the logits `[vocab]` of the next position. */
  step(id: number, flops: FlopCounter): Float32Array | Promise<Float32Array>
  /** Whether the context has room for another token. */
  hasRoom(): boolean
}

/**
 * Autoregressive generation from a prefill (the plain prompt pass, a VLM's image + question, or KV
 * Prediction's predicted cache) with a decoder that continues on the cache. Tokens are yielded as
 * they are produced; generation stops at a stop token, a stop sequence, `maxTokens`, or the end of
 * the decoder's context.
 *
 * @example
 * const gen = generate(model, (flops) => prefillWith(flops), { promptTokens: ids.length, tokenizer }, { maxTokens: 20 })
 * for await (const t of gen) process.stdout.write(t.text)
 */
export function generate(
  decoder: OpenElm,
  prefill: (flops: FlopCounter) => PrefillResult,
  ctx: { promptTokens: number; tokenizer?: TextTokenizer },
  opts: SamplingOptions = {},
): Generation {
  let cache: KvCache | undefined
  const source: LogitsSource = {
    prefill(flops) {
      const r = prefill(flops)
      cache = r.cache
      return r.logits
    },
    step(id, flops) {
      return decoder.forward(decoder.embed([id]), freshTokens(1, cache!.nextPosition), {
        cache,
        logits: 'last',
        stage: 'decode',
        flops,
      }).logits
    },
    hasRoom: () => cache!.nextPosition < decoder.config.max_context_length,
  }
  const eos = decoder.config.eos_token_id
  return generateFrom(source, { ...ctx, eos: eos === null ? undefined : eos }, opts)
}

/** {@link generate} over any {@link LogitsSource}; `eos` is the default stop token. */
export function generateFrom(
  source: LogitsSource,
  ctx: { promptTokens: number; tokenizer?: TextTokenizer; eos?: number },
  opts: SamplingOptions = {},
): Generation {
  const { maxTokens, seed } = validate(opts)
  const stopTokens = new Set(opts.stopTokens ?? (ctx.eos === undefined ? [] : [ctx.eos]))
  const stops = (opts.stop ?? []).filter((s) => s.length > 0)
  return new Generation(ctx.promptTokens, async function* (g) {
    const uniform = mulberry32(seed)
    const start = performance.now()
    const pf = new FlopCounter()
    const first = await source.prefill(pf)
    g.stats.prefillFlops = pf.total
    const df = new FlopCounter()
    let logits = first
    let emitted = ''
    let firstAt = 0
    for (let step = 0; step < maxTokens; step++) {
      const id = sampleToken(logits, opts, uniform)
      if (step === 0) {
        firstAt = performance.now()
        g.stats.ttftMs = firstAt - start
      }
      if (stopTokens.has(id)) {
        g.stats.finishReason = 'stop'
        break
      }
      g.ids.push(id)
      g.stats.generatedTokens = g.ids.length
      let full = ctx.tokenizer ? ctx.tokenizer.decode(g.ids) : g.ids.join(' ')
      let stopped = false
      for (const s of stops) {
        const at = full.indexOf(s)
        if (at >= 0) {
          full = full.slice(0, at)
          stopped = true
        }
      }
      // Hold back an incomplete UTF-8 character (decoded as U+FFFD) until the next token completes it.
      const ready = stopped || !full.endsWith('\uFFFD') ? full : full.slice(0, full.lastIndexOf('\uFFFD'))
      if (ready.length > emitted.length && ready.startsWith(emitted)) {
        const delta = ready.slice(emitted.length)
        emitted = ready
        g.text = emitted
        yield { id, text: delta }
      } else {
        yield { id, text: '' }
      }
      if (stopped) {
        g.text = full
        g.stats.finishReason = 'stop'
        break
      }
      if (step + 1 >= maxTokens) break
      if (!source.hasRoom()) {
        g.stats.finishReason = 'context'
        break
      }
      logits = await source.step(id, df)
    }
    if (g.stats.finishReason !== 'stop' && ctx.tokenizer) g.text = ctx.tokenizer.decode(g.ids)
    const end = performance.now()
    g.stats.totalMs = end - start
    g.stats.decodeFlops = df.total
    g.stats.tokensPerS = g.ids.length > 1 ? ((g.ids.length - 1) * 1000) / Math.max(end - firstAt, 1e-9) : 0
  })
}
