export { FIXTURE_MODELS, FIXTURES_DIR, fixtureReference, loadFixture, maxAbsDiff } from './fixtures-node.ts'
export { enableWasmKernels, loadWasmKernels } from './kernels/wasm-node.ts'
export {
  findKvPredictorDir,
  findModels,
  loadModelDir,
  type ModelEntry,
  readModelDir,
  resolveModelDir,
} from './loader-node.ts'
// onnxruntime-node and `@huggingface/transformers` are optional peers: neither is imported when
// this entry point loads, only on the first call that needs it (`loadOnnxNode`,
// `TransformersEmbedder.load`), which refuses a missing peer with `MODEL_LOAD_FAILED`.
export { loadOnnxNode } from './onnx-node.ts'
export { TransformersEmbedder, type TransformersEmbedderOptions } from './transformers-node.ts'
