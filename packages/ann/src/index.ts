export {
  BinaryIndex,
  type BinaryOptions,
  type BinaryThreshold,
  buildBinary,
  calibrateThresholds,
  loadBinary,
} from './binary.ts'
export { AnnError, type AnnErrorCode } from './errors.ts'
export { FlatIndex, type FlatOptions } from './flat.ts'
export {
  ARTIFACT_VERSION,
  type Artifact,
  type ArtifactSection,
  ArtifactWriter,
  readArtifact,
  requireSection,
  type SectionArray,
  type SectionDtype,
} from './format.ts'
export { paretoFrontier } from './frontier.ts'
export { GRAPH_LIMITS, GraphIndex, type GraphOptions, type GraphRerankStore, loadGraph } from './graph.ts'
export {
  readBvecs,
  readFvecs,
  readIvecs,
  type VecsExpect,
  type VecsFile,
  writeBvecs,
  writeFvecs,
  writeIvecs,
} from './io.ts'
export { type IvfBuildStage, IvfIndex, type IvfOptions } from './ivf.ts'
export { IVF_INT8_LIMITS, IvfInt8Index, type IvfInt8Options, loadIvfInt8 } from './ivf-i8.ts'
export { buildIvfPq, IvfPqIndex, type IvfPqOptions, loadIvfPq } from './ivfpq.ts'
export { KernelArena } from './kernels/arena.ts'
export { dotF32Rows, dotI8Rows } from './kernels/dots.ts'
export { encodeInt8, fitInt8Scales, pad16, prepareInt16Query } from './kernels/int8.ts'
export {
  assignNearest,
  type KmeansInit,
  type KmeansOptions,
  type KmeansResult,
  trainKmeans,
} from './kmeans.ts'
export { type IndexLoader, indexKinds, loadIndex, registerIndexKind } from './load.ts'
export { applyRotation, fitPcaRotation, type PcaOptions, type PcaRotation, truncate } from './matryoshka.ts'
export { type OpqOptions, type OpqResult, trainOpq } from './opq.ts'
export { ProductQuantizer, type ProductQuantizerOptions } from './pq.ts'
export { Rng } from './random.ts'
export { sha256Hex } from './sha256.ts'
export { TopK } from './topk.ts'
export {
  exactGroundTruth,
  type GroundTruth,
  type Measurement,
  measure,
  type TuneOptions,
  tune,
} from './tune.ts'
export type {
  FrontierPoint,
  IndexKind,
  Metric,
  SearchCost,
  SearchParams,
  SearchResult,
  SearchSettings,
  VectorIndex,
} from './types.ts'
export { MAX_INDEX_DIM, MAX_MAGNITUDE, MAX_RERANK } from './validate.ts'
