import { createRandom, shuffle } from '@frugal/bench'

/** A document as the index builder takes it. */
export interface Doc {
  id: string
  title: string
  text: string
}

/**
 * Turns the State of the Union passages into `size` shorter documents: every sentence, then
 * every pair of adjacent sentences, in a seeded shuffle. The result is a corpus with the
 * vocabulary of the default one and as many vectors as the benchmark needs.
 */
export function sentenceCorpus(passages: readonly Doc[], size: number, seed: number): Doc[] {
  const docs: Doc[] = []
  const pairs: Doc[] = []
  for (const p of passages) {
    const sentences = p.text.split(/(?<=[.!?])\s+/).filter((s) => s.length >= 20)
    sentences.forEach((s, i) => {
      docs.push({ id: `${p.id}-s${i}`, title: p.title, text: s })
      const next = sentences[i + 1]
      if (next) pairs.push({ id: `${p.id}-p${i}`, title: p.title, text: `${s} ${next}` })
    })
  }
  const all = [...docs, ...pairs]
  if (all.length < size) throw new Error(`the corpus yields ${all.length} documents, fewer than ${size}`)
  const order = Array.from({ length: all.length }, (_, i) => i)
  shuffle(order, createRandom(seed))
  return order.slice(0, size).map((i) => all[i]!)
}

/** Queries: the first 3–8 words of documents not in the index sample, seeded. */
export function sampleQueries(passages: readonly Doc[], count: number, seed: number): string[] {
  const random = createRandom(seed)
  const queries: string[] = []
  while (queries.length < count) {
    const p = passages[Math.floor(random() * passages.length)]!
    const words = p.text.split(/\s+/).filter((w) => /[a-z]/i.test(w))
    if (words.length < 8) continue
    const start = Math.floor(random() * (words.length - 8))
    const n = 3 + Math.floor(random() * 6)
    queries.push(words.slice(start, start + n).join(' '))
  }
  return queries
}
