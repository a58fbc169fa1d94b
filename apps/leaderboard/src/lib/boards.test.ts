import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { boardsOf, scenarioKey } from './boards.ts'
import { ResultFileError, readResults } from './results-loader.ts'

const fixtures = fileURLToPath(new URL('../../test/fixtures/results/', import.meta.url))
const broken = fileURLToPath(new URL('../../test/fixtures/bad-results/', import.meta.url))

describe('boards', () => {
  const entries = readResults(fixtures)

  it('never puts two scenarios in one ranking', () => {
    for (const board of boardsOf(entries)) {
      const keys = new Set([...board.entries, ...board.failed].map((e) => scenarioKey(e.data)))
      expect(keys.size).toBe(1)
      const datasets = new Set(board.entries.map((e) => e.data.dataset.name))
      expect(datasets.size).toBeLessThanOrEqual(1)
    }
  })

  it('places every result file on exactly one board and keeps failed runs out of the ranking', () => {
    const boards = boardsOf(entries)
    const placed = boards.flatMap((b) => [...b.entries, ...b.failed].map((e) => e.id)).sort()
    expect(placed).toEqual(entries.map((e) => e.id).sort())
    for (const b of boards) for (const e of b.entries) expect(e.data.status).toBe('complete')
  })

  it('ranks the ANN board by recall@10, best first', () => {
    const ann = boardsOf(entries).find((b) => b.task.task === 'ann' && b.scenarioKey === 'single_stream')!
    expect(ann.y.key).toBe('q_recall_at_10')
    expect(ann.x.key).toBe('throughput')
    const recalls = ann.entries.map((e) => e.data.metrics.quality!.values['recall_at_10']!)
    expect(recalls).toEqual([...recalls].sort((a, b) => b - a))
  })

  it('refuses a folder with a broken file and names the file', () => {
    expect(() => readResults(broken)).toThrow(ResultFileError)
    expect(() => readResults(broken)).toThrow(/broken-percentiles\.json/)
  })

  it('reads a missing folder as no results', () => {
    expect(readResults('/nonexistent/frugal-results')).toEqual([])
  })
})

describe('quality labels', () => {
  it('names metrics the catalog does not know from their key', async () => {
    const { qualityLabel } = await import('./metrics.ts')
    expect(qualityLabel('recall_at_1000')).toBe('Recall@1000')
    expect(qualityLabel('ndcg_at_10_minus1_relevant')).toBe('nDCG@10 (minus1 relevant)')
    expect(qualityLabel('exact_match')).toBe('Exact match')
    expect(qualityLabel('map_at_5')).toBe('MAP@5')
  })
})
