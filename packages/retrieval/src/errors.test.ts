import { describe, expect, it } from 'vitest'
import { RetrievalError } from './errors.ts'

describe('RetrievalError', () => {
  it('carries its code, the refused file or field, and the cause', () => {
    const cause = new Error('inner')
    const error = new RetrievalError('CHECKSUM_MISMATCH', 'dense.ann: checksum mismatch', {
      file: 'dense.ann',
      cause,
    })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('RetrievalError')
    expect(error.code).toBe('CHECKSUM_MISMATCH')
    expect(error.file).toBe('dense.ann')
    expect(error.field).toBeUndefined()
    expect(error.cause).toBe(cause)
    expect(new RetrievalError('INVALID_QUERY', 'k out of range', { field: 'k' }).field).toBe('k')
  })
})
