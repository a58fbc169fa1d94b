import { describe, expect, it } from 'vitest'
import { type SearchForm, searchBody } from './search.ts'

const form: SearchForm = {
  query: 'tariffs',
  mode: 'hybrid',
  k: 5,
  control: 'manual',
  dims: 8,
  nprobe: 2,
  budget: 1000,
  targetRecall: 0.9,
}

describe('searchBody', () => {
  it('sends only the chosen cost control', () => {
    expect(searchBody(form, true)).toEqual({ query: 'tariffs', k: 5, mode: 'hybrid', dims: 8, nprobe: 2 })
    expect(searchBody({ ...form, control: 'budget' }, true)).toEqual({
      query: 'tariffs',
      k: 5,
      mode: 'hybrid',
      budget: 1000,
    })
    expect(searchBody({ ...form, control: 'recall' }, true)).toEqual({
      query: 'tariffs',
      k: 5,
      mode: 'hybrid',
      targetRecall: 0.9,
    })
  })

  it('sends no nprobe to an index without lists, and no cost control in lexical mode', () => {
    expect(searchBody(form, false)).toEqual({ query: 'tariffs', k: 5, mode: 'hybrid', dims: 8 })
    expect(searchBody({ ...form, mode: 'lexical' }, true)).toEqual({
      query: 'tariffs',
      k: 5,
      mode: 'lexical',
    })
  })

  it('sends an empty query as typed, for the API to refuse', () => {
    expect(searchBody({ ...form, query: '  ' }, true).query).toBe('  ')
  })
})
