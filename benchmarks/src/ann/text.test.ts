import { describe, expect, it } from 'vitest'
import { mailBody, toPassages } from './text.ts'

describe('real-text passages', () => {
  it('joins paragraphs into passages of about 120 words and cuts long ones', () => {
    const short = 'one two three'
    const long = Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ')
    const passages = toPassages('doc', [short, long, short])
    expect(passages.map((p) => p.id)).toEqual(['doc-0', 'doc-1', 'doc-2'])
    expect(passages[0]!.text.split(' ').length).toBe(123)
    expect(passages.flatMap((p) => p.text.split(' ')).length).toBe(306)
    expect(toPassages('empty', ['', '  '])).toEqual([])
  })

  it('takes the body of an e-mail after its headers', () => {
    expect(mailBody('From: a\nSubject: b\n\nHello there\n\nBye')).toBe('Hello there\n\nBye')
    expect(mailBody('no headers at all')).toBe('no headers at all')
  })
})
