import { Bert } from './bert.ts'
import { Clip } from './clip.ts'
import { type ModelConfig, parseConfig } from './config.ts'
import { ModelError } from './errors.ts'
import { KvPredictor } from './kv-prediction.ts'
import { OpenElm } from './openelm.ts'
import { parseSafetensors } from './safetensors.ts'
import { TextTokenizer } from './tokenizer.ts'
import { Vit } from './vit.ts'
import { Vlm } from './vlm.ts'
import { WeightStore } from './weights.ts'

/** The files of a Hugging Face model directory, as bytes or parsed JSON (from disk, R2, fetch, ...). */
export interface ModelFiles {
  /** `config.json`: its text or the parsed object. */
  config: string | object
  /** `model.safetensors`. */
  weights: ArrayBuffer | Uint8Array
  /** `tokenizer.json`: its text or the parsed object (text models). */
  tokenizer?: string | object
}

interface Common {
  tokenizer?: TextTokenizer
  /** Number of weights in the file. */
  parameters: number
  /** Bytes of `model.safetensors`. */
  bytes: number
}

/** A loaded model, told apart by `arch` (the config's `model_type`). */
export type LoadedModel = Common &
  (
    | { arch: 'openelm'; config: ModelConfig & { model_type: 'openelm' }; model: OpenElm }
    | { arch: 'bert'; config: ModelConfig & { model_type: 'bert' }; model: Bert }
    | { arch: 'vit'; config: ModelConfig & { model_type: 'vit' }; model: Vit }
    | { arch: 'frugal_vlm'; config: ModelConfig & { model_type: 'frugal_vlm' }; model: Vlm }
    | { arch: 'clip'; config: ModelConfig & { model_type: 'clip' }; model: Clip }
    | { arch: 'kv_predictor'; config: ModelConfig & { model_type: 'kv_predictor' }; model: KvPredictor }
  )

function parseJson(text: string | object, file: string): unknown {
  if (typeof text !== 'string') return text
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new ModelError(
      file === 'config.json' ? 'INVALID_CONFIG' : 'TOKENIZER_FAILED',
      `${file} is not valid JSON`,
      { cause },
    )
  }
}

function textVocab(config: ModelConfig): number | undefined {
  switch (config.model_type) {
    case 'openelm':
      return config.vocab_size
    case 'bert':
      return config.vocab_size
    case 'frugal_vlm':
      return config.text_config.vocab_size
    case 'clip':
      return config.text_config.vocab_size
    default:
      return undefined
  }
}

/**
 * Load a model from its files: validate the config, parse and check the weights against it (every
 * tensor present, of the right shape, none left over), and load the tokenizer. Nothing is returned
 * unless all of it holds.
 *
 * @example
 * const m = loadModel({ config: await r2.get('m/config.json').text(), weights: await (await r2.get('m/model.safetensors')).arrayBuffer() })
 */
export function loadModel(files: ModelFiles): LoadedModel {
  const config = parseConfig(parseJson(files.config, 'config.json'))
  const st = parseSafetensors(files.weights)
  const w = new WeightStore(st.tensors)
  let parameters = 0
  for (const t of st.tensors.values()) parameters += t.data.length
  const bytes = files.weights.byteLength
  let tokenizer: TextTokenizer | undefined
  if (files.tokenizer !== undefined) {
    tokenizer = TextTokenizer.fromJson(parseJson(files.tokenizer, 'tokenizer.json'))
    const vocab = textVocab(config)
    if (vocab !== undefined && tokenizer.vocabSize > vocab) {
      throw new ModelError(
        'CONFIG_MISMATCH',
        `tokenizer.json has ${tokenizer.vocabSize} tokens, more than the model's vocab_size ${vocab}`,
      )
    }
  }
  const common = { tokenizer, parameters, bytes }
  let loaded: LoadedModel
  switch (config.model_type) {
    case 'openelm':
      loaded = { ...common, arch: 'openelm', config, model: OpenElm.load(config, w) }
      break
    case 'bert':
      loaded = { ...common, arch: 'bert', config, model: Bert.load(config, w) }
      break
    case 'vit':
      loaded = { ...common, arch: 'vit', config, model: Vit.load(config, w) }
      break
    case 'frugal_vlm':
      loaded = { ...common, arch: 'frugal_vlm', config, model: Vlm.load(config, w) }
      break
    case 'clip':
      loaded = { ...common, arch: 'clip', config, model: Clip.load(config, w) }
      break
    case 'kv_predictor':
      loaded = { ...common, arch: 'kv_predictor', config, model: KvPredictor.load(config, w) }
      break
  }
  w.finish()
  return loaded
}
