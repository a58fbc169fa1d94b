// The checksum of index-set files; owned by @frugal/ann (the artifact container), re-exported here.
export { sha256Hex } from '@frugal/ann'
export {
  BUILD_KINDS,
  type BuildKind,
  type BuildOptions,
  type BuildStage,
  type BuiltIndexSet,
  buildIndexSet,
  type ExternalEmbedder,
  GENERATOR,
} from './build.ts'
export {
  type CalibrationEmbedder,
  type CalibrationInput,
  type CalibrationOptions,
  calibrateFusion,
  chooseFusion,
  DEFAULT_CALIBRATION_QUERIES,
  type FusionSweep,
  fusionGrid,
  PSEUDO_QUERY_GENERATOR,
  type PseudoQuery,
  pseudoQueries,
  sweepFusion,
} from './calibrate.ts'
export { snippet } from './documents.ts'
export { RetrievalError, type RetrievalErrorCode } from './errors.ts'
export {
  convexFusion,
  DEFAULT_RRF_K,
  FUSION_METHODS,
  type FusedList,
  fuse,
  LEGACY_FUSION,
  type RankedList,
  reciprocalRankFusion,
  resolveFusion,
  type ScoredList,
} from './fusion.ts'
export { type LoadOptions, loadIndexSet, MAX_K, MAX_QUERY_CHARS, MAX_VECTOR_VALUE } from './index-set.ts'
export { BM25, lexicalContent } from './lexical.ts'
export { encodeManifest, manifestChecksum, parseManifest, verifyManifest } from './manifest.ts'
export { type Judgements, mean, mrrAt, ndcgAt, recallAt } from './metrics.ts'
export { probeIndexSet } from './probe.ts'
export {
  type DenseInfo,
  type DocumentsInfo,
  type EmbedderInfo,
  type FileEntry,
  type FusionCalibrationInfo,
  type FusionMethod,
  type FusionOptions,
  type Hit,
  INDEX_SET_FILES,
  INDEX_SET_FORMAT,
  INDEX_SET_VERSION,
  type IndexSetFusion,
  type IndexSetManifest,
  type IndexSetStats,
  type LexicalInfo,
  type RetrievalCost,
  type RetrievalIndex,
  type RetrievalSettings,
  type SearchMode,
  type SearchRequest,
  type SearchResponse,
} from './types.ts'
