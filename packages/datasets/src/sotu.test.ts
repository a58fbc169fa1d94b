import { describe, expect, it } from 'vitest'
import { DatasetError } from './errors.ts'
import { slugify, speechPassages } from './sotu.ts'

const speech = {
  year: 1862,
  name: 'Abraham Lincoln',
  party: 'republican',
  text: 'One two three four. Five six seven!  Eight nine ten? Eleven twelve. Thirteen.',
}

describe('speechPassages', () => {
  it('groups whole sentences into passages with stable ids and titles', () => {
    const passages = speechPassages(speech, { targetWords: 4 })
    expect(passages.map((p) => p.text)).toEqual([
      'One two three four.',
      'Five six seven! Eight nine ten?',
      'Eleven twelve. Thirteen.',
    ])
    expect(passages.map((p) => p.id)).toEqual([
      '1862-abraham-lincoln-001',
      '1862-abraham-lincoln-002',
      '1862-abraham-lincoln-003',
    ])
    expect(passages[1]?.title).toBe('State of the Union 1862, Abraham Lincoln (2/3)')
    expect(speechPassages(speech, { targetWords: 4 })).toEqual(passages)
  })

  it('folds a short tail into the previous passage and cuts run-on sentences', () => {
    expect(
      speechPassages({ ...speech, text: 'a b c d e f. g.' }, { targetWords: 6 }).map((p) => p.text),
    ).toEqual(['a b c d e f. g.'])
    const runOn = speechPassages(
      { ...speech, text: Array.from({ length: 25 }, (_, i) => `w${i}`).join(' ') },
      {
        targetWords: 10,
      },
    )
    expect(runOn.map((p) => p.text.split(' ').length)).toEqual([10, 10, 5])
  })

  it('slugs names with punctuation and accents', () => {
    expect(slugify('George W. Bush')).toBe('george-w-bush')
    expect(slugify('José  Martí')).toBe('jose-marti')
  })

  it('refuses a non-positive passage size', () => {
    expect(() => speechPassages(speech, { targetWords: 0 })).toThrow(DatasetError)
  })
})
