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
// The transformers.js embedder reads a model folder from disk; `@huggingface/transformers` is
// an optional peer, loaded on first use.
export { TransformersEmbedder, type TransformersEmbedderOptions } from './transformers-node.ts'
