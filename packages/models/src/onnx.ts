import type { InferenceSession, Tensor, TypedTensor } from 'onnxruntime-common'
import { ModelError } from './errors.ts'

/**
 * The part of an onnxruntime namespace this backend uses. `onnxruntime-web` (Node, workerd,
 * browser) and `onnxruntime-node` both provide it; get one from `loadOnnxWeb()`
 * (`@frugal/models/onnx`) or `loadOnnxNode()` (`@frugal/models/node`).
 */
export interface OrtRuntime {
  InferenceSession: {
    create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession>
  }
  Tensor: {
    new (type: 'float32', data: Float32Array, dims: readonly number[]): TypedTensor<'float32'>
    new (type: 'int64', data: BigInt64Array, dims: readonly number[]): TypedTensor<'int64'>
  }
}

/** Which engine runs a session (recorded in results and errors). */
export type OnnxEngine = 'onnxruntime-web' | 'onnxruntime-node'

/** A float or int64 input tensor by value. */
export interface OnnxFeed {
  data: Float32Array | BigInt64Array
  dims: readonly number[]
}

/** One output of a run. */
export interface OnnxOutput {
  data: Float32Array | BigInt64Array | Int32Array
  dims: readonly number[]
}

function toBytes(model: Uint8Array | ArrayBuffer): Uint8Array {
  if (model instanceof Uint8Array) return model
  if (model instanceof ArrayBuffer) return new Uint8Array(model)
  throw new ModelError('INVALID_ARGUMENT', 'an ONNX model must be a Uint8Array or an ArrayBuffer')
}

/**
 * Any ONNX model run as one whole graph by onnxruntime (single-threaded): the path for models
 * the native runtime does not know, and the unreduced baseline of the benchmarks.
 *
 * @example
 * const ort = await loadOnnxWeb()
 * const model = await OnnxModel.create(ort, bytes)
 * const { logits } = await model.run({ input_ids: { data: BigInt64Array.from([1n, 5n]), dims: [1, 2] } })
 */
export class OnnxModel {
  readonly inputNames: readonly string[]
  readonly outputNames: readonly string[]
  readonly #ort: OrtRuntime
  readonly #session: InferenceSession

  private constructor(ort: OrtRuntime, session: InferenceSession) {
    this.#ort = ort
    this.#session = session
    this.inputNames = session.inputNames
    this.outputNames = session.outputNames
  }

  /**
   * Opens a model from its bytes. A file that onnxruntime cannot parse is refused with
   * `MODEL_LOAD_FAILED` (the engine's message as the cause).
   */
  static async create(ort: OrtRuntime, model: Uint8Array | ArrayBuffer): Promise<OnnxModel> {
    const bytes = toBytes(model)
    try {
      const session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      })
      return new OnnxModel(ort, session)
    } catch (cause) {
      throw new ModelError(
        'MODEL_LOAD_FAILED',
        `onnxruntime could not load the model: ${(cause as Error).message}`,
        { cause },
      )
    }
  }

  /**
   * The declared shape of an input (numbers for fixed dims, names for symbolic ones), when the
   * engine reports it.
   */
  inputShape(name: string): readonly (number | string)[] | undefined {
    const meta = (
      this.#session as { inputMetadata?: readonly { name: string; shape?: readonly (number | string)[] }[] }
    ).inputMetadata
    return meta?.find((m) => m.name === name)?.shape
  }

  /** Runs the graph. Every declared input must be fed; unknown names are refused. */
  async run(feeds: Record<string, OnnxFeed>): Promise<Record<string, OnnxOutput>> {
    const tensors: Record<string, Tensor> = {}
    for (const name of this.inputNames)
      if (!(name in feeds)) throw new ModelError('INVALID_ARGUMENT', `missing ONNX input '${name}'`)
    for (const [name, feed] of Object.entries(feeds)) {
      if (!this.inputNames.includes(name)) {
        throw new ModelError(
          'INVALID_ARGUMENT',
          `the model has no input '${name}' (inputs: ${this.inputNames.join(', ')})`,
        )
      }
      const size = feed.dims.reduce((a, b) => a * b, 1)
      if (size !== feed.data.length) {
        throw new ModelError(
          'INVALID_ARGUMENT',
          `input '${name}' has ${feed.data.length} values for dims [${feed.dims.join(', ')}]`,
        )
      }
      tensors[name] =
        feed.data instanceof BigInt64Array
          ? new this.#ort.Tensor('int64', feed.data, feed.dims)
          : new this.#ort.Tensor('float32', feed.data, feed.dims)
    }
    let results: InferenceSession.OnnxValueMapType
    try {
      results = await this.#session.run(tensors)
    } catch (cause) {
      throw new ModelError(
        'INVALID_ARGUMENT',
        `onnxruntime refused the inputs: ${(cause as Error).message}`,
        { cause },
      )
    }
    const out: Record<string, OnnxOutput> = {}
    for (const [name, value] of Object.entries(results)) {
      const t = value as Tensor
      out[name] = { data: t.data as OnnxOutput['data'], dims: t.dims }
    }
    return out
  }

  /** Frees the session's native or WASM memory. */
  async release(): Promise<void> {
    await this.#session.release()
  }
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/

/** Options of {@link OnnxCausalLM.create}. */
export interface OnnxCausalLMOptions {
  /**
   * `[kvHeads, headDim]` of each layer's cache when the graph declares them symbolically
   * (default: read from the input metadata).
   */
  cacheShapes?: readonly (readonly [number, number])[]
}

/**
 * A decoder exported as `input_ids [1, T] → logits [1, T, V]`, optionally with a KV cache in
 * the Hugging Face naming (`past_key_values.N.key|value` inputs `[1, kvHeads, past, headDim]`,
 * `present.N.key|value` outputs). With a cache, each step feeds only the new tokens; without
 * one, each step reruns the whole sequence (the graph cannot keep state).
 */
export class OnnxCausalLM {
  readonly model: OnnxModel
  /** Whether the graph takes a KV cache. */
  readonly cached: boolean
  readonly #layers: number
  readonly #shapes: (readonly [number, number])[]
  #ids: number[] = []
  #cache: Record<string, OnnxFeed> = {}

  private constructor(model: OnnxModel, shapes: (readonly [number, number])[]) {
    this.model = model
    this.#shapes = shapes
    this.#layers = shapes.length
    this.cached = shapes.length > 0
  }

  static async create(
    ort: OrtRuntime,
    bytes: Uint8Array | ArrayBuffer,
    options: OnnxCausalLMOptions = {},
  ): Promise<OnnxCausalLM> {
    const model = await OnnxModel.create(ort, bytes)
    if (!model.inputNames.includes('input_ids') || !model.outputNames.includes('logits')) {
      await model.release()
      throw new ModelError(
        'MODEL_LOAD_FAILED',
        `not a causal LM export: inputs [${model.inputNames.join(', ')}], outputs [${model.outputNames.join(', ')}]; expected input_ids → logits`,
      )
    }
    const layers = new Set<number>()
    for (const name of model.inputNames) {
      const m = PAST.exec(name)
      if (m) layers.add(Number(m[1]))
    }
    const shapes: (readonly [number, number])[] = []
    for (let l = 0; l < layers.size; l++) {
      if (!layers.has(l)) throw new ModelError('MODEL_LOAD_FAILED', `the cache inputs skip layer ${l}`)
      const given = options.cacheShapes?.[l]
      const shape = model.inputShape(`past_key_values.${l}.key`)
      const heads = given?.[0] ?? shape?.[1]
      const dim = given?.[1] ?? shape?.[3]
      if (typeof heads !== 'number' || typeof dim !== 'number') {
        throw new ModelError(
          'INVALID_ARGUMENT',
          `the cache shape of layer ${l} is symbolic; pass cacheShapes`,
        )
      }
      shapes.push([heads, dim])
    }
    const lm = new OnnxCausalLM(model, shapes)
    lm.reset()
    return lm
  }

  /** Forgets the sequence and the cache. */
  reset(): void {
    this.#ids = []
    this.#cache = {}
    this.#shapes.forEach(([heads, dim], l) => {
      for (const kind of ['key', 'value']) {
        this.#cache[`past_key_values.${l}.${kind}`] = { data: new Float32Array(0), dims: [1, heads, 0, dim] }
      }
    })
  }

  /** Tokens seen so far. */
  get length(): number {
    return this.#ids.length
  }

  /**
   * Appends tokens (the prompt, or one generated token) and returns the logits of the last
   * position `[vocab]`.
   */
  async forward(tokens: ArrayLike<number>): Promise<Float32Array> {
    if (tokens.length === 0) throw new ModelError('INVALID_ARGUMENT', 'forward needs at least one token')
    const fresh = Array.from(tokens)
    const past = this.#ids.length
    const run = this.cached ? fresh : [...this.#ids, ...fresh]
    const feeds: Record<string, OnnxFeed> = {
      input_ids: { data: BigInt64Array.from(run, (t) => BigInt(t)), dims: [1, run.length] },
    }
    const total = past + fresh.length
    if (this.model.inputNames.includes('attention_mask')) {
      feeds['attention_mask'] = { data: new BigInt64Array(total).fill(1n), dims: [1, total] }
    }
    if (this.model.inputNames.includes('position_ids')) {
      const start = this.cached ? past : 0
      feeds['position_ids'] = {
        data: BigInt64Array.from(run, (_, i) => BigInt(start + i)),
        dims: [1, run.length],
      }
    }
    if (this.cached) Object.assign(feeds, this.#cache)
    const out = await this.model.run(feeds)
    const logits = out['logits']!
    const vocab = logits.dims[logits.dims.length - 1]!
    const rows = logits.data.length / vocab
    if (this.cached) {
      for (let l = 0; l < this.#layers; l++) {
        for (const kind of ['key', 'value']) {
          const present = out[`present.${l}.${kind}`]
          if (!present)
            throw new ModelError('MODEL_LOAD_FAILED', `the graph has no output present.${l}.${kind}`)
          this.#cache[`past_key_values.${l}.${kind}`] = {
            data: present.data as Float32Array,
            dims: present.dims,
          }
        }
      }
    }
    this.#ids.push(...fresh)
    return (logits.data as Float32Array).slice((rows - 1) * vocab, rows * vocab)
  }

  /** Greedy decoding of `maxTokens` tokens after `prompt` (from a fresh sequence); stops at `eos`. */
  async *generate(prompt: ArrayLike<number>, maxTokens: number, eos?: number): AsyncGenerator<number> {
    this.reset()
    let logits = await this.forward(prompt)
    for (let i = 0; i < maxTokens; i++) {
      let best = 0
      for (let v = 1; v < logits.length; v++) if (logits[v]! > logits[best]!) best = v
      yield best
      if (best === eos || i === maxTokens - 1) return
      logits = await this.forward([best])
    }
  }

  async release(): Promise<void> {
    await this.model.release()
  }
}
