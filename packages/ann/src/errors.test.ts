import { describe, expect, it } from 'vitest'
import { AnnError } from './errors.ts'

describe('AnnError', () => {
  it('carries its code and cause', () => {
    const cause = new Error('inner')
    const error = new AnnError('TRUNCATED', 'index file ends early', { cause })
    expect(error).toBeInstanceOf(Error)
    expect(error.code).toBe('TRUNCATED')
    expect(error.cause).toBe(cause)
    expect(error.name).toBe('AnnError')
  })
})
