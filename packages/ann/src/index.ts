export { AnnError, type AnnErrorCode } from './errors.ts'
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
