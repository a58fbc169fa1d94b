export {
  type BinarizeOptions,
  type BinaryCalibration,
  type BinaryCodes,
  type BinaryScale,
  binarize,
  calibrateBinarizer,
  debinarize,
  hamming,
  hammingScan,
} from './binarize.ts'
export { CompressError, type CompressErrorCode } from './errors.ts'
export { MODALITY, tokensOf } from './modality.ts'
export {
  type BertAttentionWeights,
  type BertFfnWeights,
  type OpenElmAttentionWeights,
  type OpenElmFfnWeights,
  pruneBertFfn,
  pruneBertHeads,
  pruneOpenElmFfn,
  pruneOpenElmHeads,
  selectColumnBlocks,
  selectRowBlocks,
  topMask,
} from './prune.ts'
export { PUMER_DEFAULTS, type PumerInput, pumerLayers, pumerReduce, textToImageScores } from './pumer.ts'
export { dequantizeInt8, type Int8Matrix, quantizeInt8 } from './quantize.ts'
export {
  composeOrigin,
  composeReductions,
  identityOrigin,
  identityReduction,
  keptRows,
  makeReduction,
  proportionalAttentionBias,
  type Reduction,
  reduceLabels,
  reduceMin,
  reduceRows,
  reduceSizes,
  reductionFromRepresentatives,
  sourcesOf,
} from './reduction.ts'
export { dropTokens, registerDrop, VICTOR_DEFAULTS } from './register-drop.ts'
export {
  type BipartiteOptions,
  bipartiteSoftMatching,
  type MergeOrder,
  meanOverHeads,
  type TomeMergeInput,
  type TomeSchedule,
  tomeMerge,
  tomeSchedule,
} from './tome.ts'
