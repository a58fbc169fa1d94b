import { describe, expect, it } from 'vitest'
import { sampleQueries, sentenceCorpus } from './corpus.ts'

const passages = Array.from({ length: 20 }, (_, i) => ({
  id: `p${i}`,
  title: `Passage ${i}`,
  text: `The first sentence of passage ${i} is here. A second sentence follows it closely! Is a third one asked here? Short.`,
}))

describe('sentenceCorpus', () => {
  it('makes exactly `size` documents with unique ids, seeded', () => {
    const a = sentenceCorpus(passages, 90, 7)
    expect(a).toHaveLength(90)
    expect(new Set(a.map((d) => d.id)).size).toBe(90)
    expect(sentenceCorpus(passages, 90, 7)).toEqual(a)
    expect(sentenceCorpus(passages, 90, 8).map((d) => d.id)).not.toEqual(a.map((d) => d.id))
  })

  it('uses sentences and adjacent pairs, dropping fragments under 20 characters', () => {
    const all = sentenceCorpus(passages, 100, 1)
    expect(all.find((d) => d.id === 'p0-s0')?.text).toBe('The first sentence of passage 0 is here.')
    expect(all.find((d) => d.id === 'p0-p0')?.text).toBe(
      'The first sentence of passage 0 is here. A second sentence follows it closely!',
    )
    expect(all.some((d) => d.text === 'Short.')).toBe(false)
  })

  it('refuses a size the passages cannot give', () => {
    expect(() => sentenceCorpus(passages, 101, 1)).toThrow(/fewer than 101/)
  })
})

describe('sampleQueries', () => {
  it('draws 3 to 8 words from the passages, seeded', () => {
    const q = sampleQueries(passages, 50, 3)
    expect(q).toHaveLength(50)
    for (const query of q) {
      const words = query.split(' ')
      expect(words.length).toBeGreaterThanOrEqual(3)
      expect(words.length).toBeLessThanOrEqual(8)
    }
    expect(sampleQueries(passages, 50, 3)).toEqual(q)
  })
})
