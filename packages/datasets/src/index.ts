export { parseBeirCorpus, parseBeirQrels, parseBeirQueries } from './beir.ts'
export {
  cranfieldGain,
  parseCranfieldDocuments,
  parseCranfieldQrels,
  parseCranfieldQueries,
} from './cranfield.ts'
export { DatasetError, type DatasetErrorCode } from './errors.ts'
export { lines, splitLines } from './lines.ts'
export { type PassageOptions, type Speech, slugify, speechPassages } from './sotu.ts'
export type { Dataset, Document, LineSource, Qrels, Query } from './types.ts'
