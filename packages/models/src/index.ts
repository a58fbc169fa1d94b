export { ANALYZER_ID, analyze } from './analyzer.ts'
export { ModelError, type ModelErrorCode } from './errors.ts'
export { LSA_KIND, LsaEmbedder, type LsaFitOptions } from './lsa.ts'
export { type CsrMatrix, type RandomizedSvdOptions, randomizedSvd, type TruncatedSvd } from './svd.ts'
