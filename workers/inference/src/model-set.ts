import {
  type KvPredictor,
  type LoadedModel,
  loadModel,
  ModelError,
  type OpenElm,
  parseReductionSpec,
  planReductions,
  type ReductionSpec,
} from '@frugal/models'
import { ApiError, sha256Hex } from '@frugal/worker-shared'
import { z } from 'zod'

/**
 * The files of a model set. `config.json` and `model.safetensors` are the model (Hugging Face
 * layout), `tokenizer.json` its tokenizer (text models); a decoder may bring KV Prediction's
 * auxiliary model and predictor as `aux.config.json` + `aux.model.safetensors` and
 * `predictor.config.json` + `predictor.model.safetensors`. `manifest.json` lists every file with
 * its size and SHA-256.
 */
export const MODEL_FILES = [
  'manifest.json',
  'config.json',
  'model.safetensors',
  'tokenizer.json',
  'aux.config.json',
  'aux.model.safetensors',
  'predictor.config.json',
  'predictor.model.safetensors',
] as const

const KVP_FILES = [
  'aux.config.json',
  'aux.model.safetensors',
  'predictor.config.json',
  'predictor.model.safetensors',
]

/** The version of the manifest format this worker reads. */
export const MANIFEST_VERSION = 1

const costPoint = z.strictObject({
  reduction: z.string().min(1).max(200),
  accuracy: z.number().min(0).max(1),
  flops: z.number().positive(),
})

/** `manifest.json` of a model set. */
export const manifestSchema = z.strictObject({
  format: z.literal('frugal-model-set'),
  version: z.literal(MANIFEST_VERSION),
  description: z.string().min(1).max(500),
  /** False for random-initialised test models: their outputs carry no meaning. */
  trained: z.boolean(),
  files: z.record(
    z.string(),
    z.strictObject({ bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  ),
  /** Class names of a classifier, in logit order. */
  labels: z.array(z.string().min(1).max(100)).min(1).max(1000).optional(),
  /** Fraction of the unpruned model's parameters a pruned classifier keeps (APT); default 1. */
  density: z.number().gt(0).max(1).optional(),
  /** A VLM's measured accuracy and FLOPs per reduction setting, for compute budgets. */
  costTable: z.array(costPoint).min(1).max(256).optional(),
})

export type Manifest = z.infer<typeof manifestSchema>

/** What a model set serves. */
export type ModelTask = 'generate' | 'vqa' | 'classify' | 'embed' | 'read' | 'image-classify' | 'image-text'

/** What the worker derives from a model set when it validates it (stored in its head). */
export interface ModelMeta {
  arch: LoadedModel['arch']
  task: ModelTask
  description: string
  trained: boolean
  /** Weights of the model plus, with KV Prediction, the auxiliary model and the predictor. */
  parameters: number
  /** Bytes of the weight files. */
  weightBytes: number
  /** Estimated heap of the loaded set (f32 weights plus the parsed tokenizer). */
  memoryBytes: number
  layers: number
  maxContext?: number | undefined
  imageSize?: number | undefined
  /** Reduction methods the model can run (`none` always). */
  reductions: string[]
  kvPrediction: boolean
  embeddingDims?: number[] | undefined
  densities: number[]
  labels?: string[] | undefined
  costTable?: Manifest['costTable']
}

export const modelMetaSchema: z.ZodType<ModelMeta> = z.looseObject({
  arch: z.enum(['openelm', 'bert', 'vit', 'frugal_vlm', 'clip', 'kv_predictor']),
  task: z.enum(['generate', 'vqa', 'classify', 'embed', 'read', 'image-classify', 'image-text']),
  description: z.string(),
  trained: z.boolean(),
  parameters: z.number(),
  weightBytes: z.number(),
  memoryBytes: z.number(),
  layers: z.number(),
  maxContext: z.number().optional(),
  imageSize: z.number().optional(),
  reductions: z.array(z.string()),
  kvPrediction: z.boolean(),
  embeddingDims: z.array(z.number()).optional(),
  densities: z.array(z.number()),
  labels: z.array(z.string()).optional(),
  costTable: z.array(costPoint).optional(),
}) as unknown as z.ZodType<ModelMeta>

/** A model set loaded into memory. */
export interface LoadedSet {
  model: LoadedModel
  kvp?: { aux: OpenElm; predictor: KvPredictor }
  meta: ModelMeta
}

function rejected(file: string, message: string, cause?: unknown): ApiError {
  return new ApiError(422, 'ARTIFACT_REJECTED', `${file}: ${message}`, { field: file, cause })
}

/** Runs a load step; a `ModelError` becomes a 422 naming `file`. */
function step<T>(file: string, run: () => T): T {
  try {
    return run()
  } catch (err) {
    if (err instanceof ModelError) throw rejected(file, `${err.code}: ${err.message}`, err)
    throw err
  }
}

/** Which parts of a reduction spec a VLM can run; checked by planning it. */
export function checkReduction(model: LoadedModel, spec: ReductionSpec): void {
  if (model.arch !== 'frugal_vlm') throw new ModelError('INVALID_REDUCTION', 'only VLMs run token reductions')
  const vlm = model.model
  planReductions(spec, {
    visionLayers: vlm.vision.numLayers,
    decoderLayers: vlm.decoder.numLayers,
    canDropVisual: vlm.config.visual_token_drop_layer !== null && vlm.config.num_registers > 0,
    positionalVision: true,
  })
}

function taskOf(model: LoadedModel): ModelTask {
  switch (model.arch) {
    case 'openelm':
      return 'generate'
    case 'frugal_vlm':
      return 'vqa'
    case 'bert':
      return model.model.head === 'BertForSequenceClassification'
        ? 'classify'
        : model.model.head === 'BertForQuestionAnswering'
          ? 'read'
          : 'embed'
    case 'vit':
      return 'image-classify'
    case 'clip':
      return 'image-text'
    case 'kv_predictor':
      throw rejected(
        'config.json',
        'a KV predictor is not served alone: ship it with its base as predictor.*',
      )
  }
}

function decode(file: string, data: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data)
  } catch (cause) {
    throw rejected(file, 'is not UTF-8 text', cause)
  }
}

/**
 * Loads a model set whole: the manifest (every file listed with the right size and SHA-256, no
 * file unlisted), the model, its tokenizer when its task needs one, and KV Prediction's pair.
 * Nothing is returned unless all of it holds; every refusal is a 422 naming the file.
 */
export async function loadModelSet(files: Map<string, Uint8Array<ArrayBuffer>>): Promise<LoadedSet> {
  const manifestBytes = files.get('manifest.json')
  if (!manifestBytes) throw rejected('manifest.json', 'missing: a model set lists its files in manifest.json')
  let json: unknown
  try {
    json = JSON.parse(decode('manifest.json', manifestBytes))
  } catch (cause) {
    if (cause instanceof ApiError) throw cause
    throw rejected('manifest.json', 'is not JSON', cause)
  }
  const parsed = manifestSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw rejected('manifest.json', `${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  const manifest = parsed.data
  for (const name of files.keys()) {
    if (name === 'manifest.json') continue
    if (!(MODEL_FILES as readonly string[]).includes(name))
      throw rejected(name, `not a file of a model set (known: ${MODEL_FILES.join(', ')})`)
    if (!manifest.files[name]) throw rejected(name, 'not listed in manifest.json')
  }
  for (const [name, entry] of Object.entries(manifest.files)) {
    const data = files.get(name)
    if (!data) throw rejected(name, 'listed in manifest.json but missing from the upload')
    if (data.byteLength !== entry.bytes)
      throw rejected(name, `SIZE_MISMATCH: ${data.byteLength} bytes, the manifest says ${entry.bytes}`)
    if ((await sha256Hex(data)) !== entry.sha256)
      throw rejected(name, 'CHECKSUM_MISMATCH: its SHA-256 differs from the manifest')
  }
  for (const name of ['config.json', 'model.safetensors']) {
    if (!files.has(name))
      throw rejected(name, 'missing: every model set has config.json and model.safetensors')
  }
  const tokenizerBytes = files.get('tokenizer.json')
  const tokenizer = tokenizerBytes ? decode('tokenizer.json', tokenizerBytes) : undefined
  const config = decode('config.json', files.get('config.json')!)
  const weights = files.get('model.safetensors')!
  // Which file a refusal of loadModel is about: the config, the tokenizer, or else the weights.
  let model: LoadedModel
  try {
    model = loadModel({ config, weights, ...(tokenizer !== undefined ? { tokenizer } : {}) })
  } catch (err) {
    if (!(err instanceof ModelError)) throw err
    const file =
      err.code === 'INVALID_CONFIG' || err.code === 'UNSUPPORTED_ARCHITECTURE'
        ? 'config.json'
        : err.code === 'TOKENIZER_FAILED' || /tokenizer/i.test(err.message)
          ? 'tokenizer.json'
          : 'model.safetensors'
    throw rejected(file, `${err.code}: ${err.message}`, err)
  }
  const task = taskOf(model)
  if (
    (task === 'generate' || task === 'vqa' || task === 'classify' || task === 'embed' || task === 'read') &&
    !model.tokenizer
  )
    throw rejected('tokenizer.json', `missing: a ${model.arch} model serving "${task}" needs its tokenizer`)

  const present = KVP_FILES.filter((f) => files.has(f))
  let kvp: LoadedSet['kvp']
  let parameters = model.parameters
  let weightBytes = model.bytes
  if (present.length > 0) {
    const missing = KVP_FILES.find((f) => !files.has(f))!
    if (present.length !== KVP_FILES.length)
      throw rejected(missing, 'missing: KV Prediction needs all four aux.* and predictor.* files')
    if (model.arch !== 'openelm')
      throw rejected('aux.config.json', `KV Prediction needs an OpenELM decoder, not ${model.arch}`)
    const aux = step('aux.model.safetensors', () =>
      loadModel({
        config: decode('aux.config.json', files.get('aux.config.json')!),
        weights: files.get('aux.model.safetensors')!,
      }),
    )
    if (aux.arch !== 'openelm')
      throw rejected('aux.config.json', `the auxiliary model must be OpenELM, not ${aux.arch}`)
    const predictor = step('predictor.model.safetensors', () =>
      loadModel({
        config: decode('predictor.config.json', files.get('predictor.config.json')!),
        weights: files.get('predictor.model.safetensors')!,
      }),
    )
    if (predictor.arch !== 'kv_predictor')
      throw rejected('predictor.config.json', `expected model_type "kv_predictor", not ${predictor.arch}`)
    step('predictor.config.json', () => predictor.model.checkPair(model.model, aux.model))
    kvp = { aux: aux.model, predictor: predictor.model }
    parameters += aux.parameters + predictor.parameters
    weightBytes += aux.bytes + predictor.bytes
  }

  const meta = describe(model, manifest, {
    parameters,
    weightBytes,
    kvPrediction: kvp !== undefined,
    tokenizerBytes: tokenizerBytes?.byteLength ?? 0,
  })
  if (manifest.labels && model.arch === 'bert' && manifest.labels.length !== (model.config.num_labels ?? 2))
    throw rejected(
      'manifest.json',
      `labels: ${manifest.labels.length} names for ${model.config.num_labels ?? 2} classes`,
    )
  if (manifest.costTable) {
    if (model.arch !== 'frugal_vlm')
      throw rejected('manifest.json', 'costTable: only VLMs have reduction settings')
    manifest.costTable.forEach((p, i) => {
      try {
        checkReduction(model, parseReductionSpec(p.reduction))
      } catch (err) {
        if (err instanceof ModelError)
          throw rejected('manifest.json', `costTable.${i}.reduction: ${err.message}`, err)
        throw err
      }
    })
  }
  return { model, ...(kvp ? { kvp } : {}), meta }
}

/**
 * Estimated heap of a loaded set: 4 bytes per parameter (weights are held as f32) plus four
 * times the tokenizer file (its vocabulary and merges as JS strings and maps). An estimate from
 * the layout, not a measurement; see README "Limits".
 */
export function estimateMemory(parameters: number, tokenizerBytes: number): number {
  return 4 * parameters + 4 * tokenizerBytes
}

function describe(
  model: LoadedModel,
  manifest: Manifest,
  extra: { parameters: number; weightBytes: number; kvPrediction: boolean; tokenizerBytes: number },
): ModelMeta {
  const task = taskOf(model)
  const meta: ModelMeta = {
    arch: model.arch,
    task,
    description: manifest.description,
    trained: manifest.trained,
    parameters: extra.parameters,
    weightBytes: extra.weightBytes,
    memoryBytes: estimateMemory(extra.parameters, extra.tokenizerBytes),
    layers: 0,
    reductions: ['none'],
    kvPrediction: extra.kvPrediction,
    densities: [manifest.density ?? 1],
  }
  switch (model.arch) {
    case 'openelm':
      meta.layers = model.model.numLayers
      meta.maxContext = model.config.max_context_length
      break
    case 'frugal_vlm': {
      const vlm = model.model
      meta.layers = vlm.decoder.numLayers
      meta.maxContext = vlm.decoder.config.max_context_length
      meta.imageSize = vlm.config.vision_config.image_size
      if (vlm.vision.numLayers > 0) meta.reductions.push('tome')
      if (vlm.decoder.numLayers > 0) meta.reductions.push('pumer')
      if (vlm.config.visual_token_drop_layer !== null && vlm.config.num_registers > 0)
        meta.reductions.push('victor')
      if (manifest.costTable) meta.costTable = manifest.costTable
      break
    }
    case 'bert':
      meta.layers = model.model.numLayers
      meta.maxContext = model.config.max_position_embeddings
      if (task === 'embed') meta.embeddingDims = model.config.matryoshka_dims ?? [model.config.hidden_size]
      if (task === 'classify') {
        const n = model.config.num_labels ?? 2
        meta.labels = manifest.labels ?? Array.from({ length: n }, (_, i) => `LABEL_${i}`)
      }
      break
    case 'vit':
      meta.layers = model.model.numLayers
      meta.imageSize = model.config.image_size
      break
    default:
      break
  }
  return meta
}
