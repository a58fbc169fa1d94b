import { stemmer } from 'stemmer'
import { eng } from 'stopword'

const STOPWORDS = new Set(eng)
const TOKEN = /[\p{L}\p{N}]+/gu

/** Identifies the analyzer in artifacts and manifests; bump when its output changes. */
export const ANALYZER_ID = 'lower+nfkd+alnum+stop(stopword/eng)+porter'

/**
 * The text analyzer shared by the LSA embedder and BM25: NFKD-fold and lowercase, split into
 * runs of letters/digits, drop English stopwords and one-letter tokens, Porter-stem.
 * @example
 * analyze('The Aerodynamics of wings') // ['aerodynam', 'wing']
 */
export function analyze(text: string): string[] {
  const folded = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
  const out: string[] = []
  for (const match of folded.matchAll(TOKEN)) {
    const token = match[0]
    if (token.length < 2 || STOPWORDS.has(token)) continue
    out.push(stemmer(token))
  }
  return out
}
