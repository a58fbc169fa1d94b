export { ANALYZER_ID, analyze } from './analyzer.ts'
export { Bert, type BertInput, type BertOutput } from './bert.ts'
export { Clip } from './clip.ts'
export {
  type BertConfig,
  bertFfnDim,
  bertHeads,
  type ClipConfig,
  type KvPredictorConfig,
  MODEL_TYPES,
  type ModelConfig,
  makeDivisible,
  type OpenElmConfig,
  openElmFfnDim,
  parseConfig,
  type VitConfig,
  type VlmConfig,
} from './config.ts'
export { ModelError, type ModelErrorCode } from './errors.ts'
export { FlopCounter } from './flops.ts'
export {
  argmax,
  type GeneratedToken,
  Generation,
  type GenerationStats,
  generate,
  generateFrom,
  type LogitsSource,
  type PrefillResult,
  type SamplingOptions,
  sampleToken,
} from './generate.ts'
export type {
  AttentionStats,
  HookPoint,
  HookResult,
  LayerHook,
  LayerHookContext,
} from './hooks.ts'
export {
  type AttentionParams,
  type Kernels,
  kernels,
  tsKernels,
  useKernels,
  useWasmKernels,
  WasmKernels,
} from './kernels/index.ts'
export { KvCache, LayerKv } from './kv-cache.ts'
export { type KvPredictionPrefill, KvPredictor, kvPredictionPrefill } from './kv-prediction.ts'
export { bitsPerByte, type LmEval } from './lm-eval.ts'
export { type LoadedModel, loadModel, type ModelFiles } from './loader.ts'
export { LSA_KIND, LsaEmbedder, type LsaFitOptions } from './lsa.ts'
export {
  OnnxCausalLM,
  type OnnxCausalLMOptions,
  type OnnxFeed,
  OnnxModel,
  type OnnxOutput,
  type OrtRuntime,
} from './onnx.ts'
export { type DecoderOutput, type DecoderRunOptions, OpenElm } from './openelm.ts'
export { parseReductionSpec, REDUCTION_SPEC_HELP, type ReductionSpec } from './reduction-spec.ts'
export { applyReduction, planReductions, pumerHook, type ReductionPlan, tomeHook } from './reductions.ts'
export {
  parseSafetensors,
  type Safetensors,
  type SafetensorsDtype,
  type Tensor,
  writeSafetensors,
} from './safetensors.ts'
export { type CsrMatrix, type RandomizedSvdOptions, randomizedSvd, type TruncatedSvd } from './svd.ts'
export { type Encoded, TextTokenizer } from './tokenizer.ts'
export { concatTokens, freshTokens, MODALITY, type Modality, selectTokens, type TokenMeta } from './tokens.ts'
export { Vit, type VitOutput } from './vit.ts'
export { Vlm, type VlmPrefillOptions, visualTokenDrop } from './vlm.ts'
export { answerQuestion, normaliseAnswer, type VqaAnswer, vqaPrompt } from './vqa.ts'
export { WeightStore } from './weights.ts'
