/**
 * The text embedders and the analyzer alone, without the transformer runtime: what a
 * retrieval index set needs, so that a worker bundle of `@frugal/retrieval` carries no
 * kernels, tokenizers or ONNX code.
 */
export { ANALYZER_ID, analyze } from './analyzer.ts'
export { LSA_KIND, LsaEmbedder, type LsaFitOptions } from './lsa.ts'
export { type CsrMatrix, type RandomizedSvdOptions, randomizedSvd, type TruncatedSvd } from './svd.ts'
