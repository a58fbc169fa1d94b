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
