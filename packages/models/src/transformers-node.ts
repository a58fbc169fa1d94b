import { access } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { applyRotation, type PcaRotation } from '@frugal/ann'
import { ModelError } from './errors.ts'

/** Options of {@link TransformersEmbedder.load}. */
export interface TransformersEmbedderOptions {
  /** `mean` over the attention mask (default) or the first token (`cls`). */
  pooling?: 'mean' | 'cls'
  /** Matryoshka truncation: keep the first `dims` dims (after the rotation), renormalised. Default: all. */
  dims?: number
  /** A PCA rotation (from `fitPcaRotation` of @frugal/ann) that orders a rigid model's dims by variance. */
  rotation?: PcaRotation
  /** Allow downloading from the Hugging Face hub when the folder is incomplete; default false. */
  allowRemoteModels?: boolean
  /** ONNX weights type: `fp32` reads `onnx/model.onnx` (default), `q8` `onnx/model_quantized.onnx`. */
  dtype?: 'fp32' | 'fp16' | 'q8'
  /** Texts per forward pass; default 32. */
  batchSize?: number
}

type Extractor = (
  texts: string[],
  options: { pooling: 'mean' | 'cls'; normalize: boolean },
) => Promise<{
  data: Float32Array
  dims: number[]
  dispose?: () => void
}>

const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json']

/**
 * Sentence embeddings from a local transformer model in the Hugging Face layout (config.json,
 * tokenizer.json, onnx/model.onnx) through transformers.js feature extraction on
 * onnxruntime-node. Node only: keep it out of worker bundles (it is in the `./node`
 * subpath). Output rows are unit length; with `dims` they are Matryoshka-truncated and
 * renormalised, with `rotation` rotated by PCA first (for models not trained Matryoshka-style).
 * @example
 * const embedder = await TransformersEmbedder.load('models/bge-small', { dims: 128 })
 * const vectors = await embedder.embed(['first text', 'second text']) // 2 × 128
 */
export class TransformersEmbedder {
  /** Output dims (after truncation). */
  readonly dims: number
  /** Hidden size of the model. */
  readonly hiddenSize: number
  /** Folder the model was loaded from. */
  readonly modelDir: string
  readonly #extract: Extractor
  readonly #options: TransformersEmbedderOptions
  readonly #dispose: () => Promise<void>

  private constructor(
    modelDir: string,
    hiddenSize: number,
    extract: Extractor,
    options: TransformersEmbedderOptions,
    dispose: () => Promise<void>,
  ) {
    this.modelDir = modelDir
    this.hiddenSize = hiddenSize
    this.dims = options.dims ?? hiddenSize
    this.#extract = extract
    this.#options = options
    this.#dispose = dispose
  }

  /** Loads a model folder; refuses a folder without its config, tokenizer or ONNX weights (`MODEL_LOAD_FAILED`). */
  static async load(
    modelDir: string,
    options: TransformersEmbedderOptions = {},
  ): Promise<TransformersEmbedder> {
    const dir = resolve(modelDir)
    const dtype = options.dtype ?? 'fp32'
    const weights = join(
      'onnx',
      dtype === 'fp32' ? 'model.onnx' : dtype === 'fp16' ? 'model_fp16.onnx' : 'model_quantized.onnx',
    )
    if (!options.allowRemoteModels) {
      for (const file of [...REQUIRED, weights]) {
        try {
          await access(join(dir, file))
        } catch (cause) {
          throw new ModelError('MODEL_LOAD_FAILED', `${join(dir, file)}: missing from the model folder`, {
            cause,
          })
        }
      }
    }
    const transformers = await import('@huggingface/transformers').catch((cause: unknown) => {
      throw new ModelError(
        'MODEL_LOAD_FAILED',
        'transformers embedders need the optional peer dependency @huggingface/transformers: npm install @huggingface/transformers',
        { cause },
      )
    })
    const { env, pipeline } = transformers
    env.allowRemoteModels = options.allowRemoteModels ?? false
    env.allowLocalModels = true
    env.localModelPath = `${dirname(dir)}/`
    env.useFSCache = false
    let extractor: Awaited<ReturnType<typeof pipeline<'feature-extraction'>>>
    try {
      extractor = await pipeline('feature-extraction', basename(dir), { dtype })
    } catch (cause) {
      throw new ModelError(
        'MODEL_LOAD_FAILED',
        `${dir}: cannot load the model (${(cause as Error).message})`,
        { cause },
      )
    }
    const config = extractor.model.config as unknown as { hidden_size?: number; d_model?: number }
    const hidden = config.hidden_size ?? config.d_model
    if (hidden === undefined) throw new ModelError('MODEL_LOAD_FAILED', `${dir}/config.json: no hidden_size`)
    if (
      options.dims !== undefined &&
      (!Number.isInteger(options.dims) || options.dims < 1 || options.dims > hidden)
    ) {
      throw new ModelError('INVALID_ARGUMENT', `dims must be an integer in 1..${hidden}, got ${options.dims}`)
    }
    if (options.rotation !== undefined && options.rotation.dim !== hidden) {
      throw new ModelError(
        'INVALID_ARGUMENT',
        `rotation is ${options.rotation.dim}-dim, the model ${hidden}-dim`,
      )
    }
    const extract = extractor as unknown as Extractor
    return new TransformersEmbedder(dir, hidden, extract, options, () => extractor.dispose())
  }

  /** Embeds texts into one row-major `texts.length × dims` array of unit-length rows. */
  async embed(
    texts: readonly string[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<Float32Array> {
    const hidden = this.hiddenSize
    const pooled = new Float32Array(texts.length * hidden)
    const batch = this.#options.batchSize ?? 32
    for (let i = 0; i < texts.length; i += batch) {
      const chunk = texts.slice(i, i + batch)
      const out = await this.#extract([...chunk], {
        pooling: this.#options.pooling ?? 'mean',
        normalize: false,
      })
      if (out.dims.length !== 2 || out.dims[0] !== chunk.length || out.dims[1] !== hidden) {
        throw new ModelError(
          'MODEL_LOAD_FAILED',
          `model returned shape [${out.dims.join(', ')}], expected [${chunk.length}, ${hidden}]`,
        )
      }
      pooled.set(out.data, i * hidden)
      out.dispose?.()
      onProgress?.(Math.min(texts.length, i + batch), texts.length)
    }
    const rotated = this.#options.rotation
      ? applyRotation(this.#options.rotation, pooled, texts.length)
      : pooled
    return truncateRows(rotated, texts.length, hidden, this.dims)
  }

  /** Embeds one text (unit length, `dims` values). */
  async embedOne(text: string): Promise<Float32Array> {
    return this.embed([text])
  }

  /** Releases the ONNX session. */
  async dispose(): Promise<void> {
    await this.#dispose()
  }
}

/** First `dims` of each row, renormalised to unit length (zero rows stay zero). */
function truncateRows(data: Float32Array, n: number, dim: number, dims: number): Float32Array {
  const out = new Float32Array(n * dims)
  for (let i = 0; i < n; i++) {
    let norm = 0
    for (let c = 0; c < dims; c++) norm += data[i * dim + c]! ** 2
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0
    for (let c = 0; c < dims; c++) out[i * dims + c] = data[i * dim + c]! * inv
  }
  return out
}
