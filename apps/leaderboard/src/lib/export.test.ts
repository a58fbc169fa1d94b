import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { boardsOf } from './boards.ts'
import { boardCsv, boardJson, csvField } from './export.ts'
import { readResults } from './results-loader.ts'

const fixtures = fileURLToPath(new URL('../../test/fixtures/results/', import.meta.url))

describe('exports', () => {
  it('quotes CSV fields with commas, quotes and newlines', () => {
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('plain')).toBe('plain')
    expect(csvField(undefined)).toBe('')
  })

  it('writes one CSV line per ranked entry with units in the headers', () => {
    const board = boardsOf(readResults(fixtures)).find((b) => b.task.task === 'ann')!
    const lines = boardCsv(board).trimEnd().split('\r\n')
    expect(lines).toHaveLength(board.entries.length + 1)
    expect(lines[0]).toContain('throughput (items/s)')
    expect(lines[0]).toContain('latency_p99 (ms)')
  })

  it('keeps the result files intact in the JSON download', () => {
    const board = boardsOf(readResults(fixtures)).find((b) => b.task.task === 'ann')!
    const data = JSON.parse(boardJson(board))
    expect(data.results).toHaveLength(board.entries.length)
    expect(data.results[0].provenance.command).toBe(board.entries[0]!.data.provenance.command)
  })
})
