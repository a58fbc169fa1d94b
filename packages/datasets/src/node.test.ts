import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DatasetError } from './errors.ts'
import { loadBeir, loadCranfield, loadDefaultCorpus } from './node.ts'

async function beirFixture(corpus: string) {
  const dir = await mkdtemp(join(tmpdir(), 'frugal-beir-'))
  await mkdir(join(dir, 'qrels'))
  await writeFile(join(dir, 'corpus.jsonl'), corpus)
  await writeFile(join(dir, 'queries.jsonl'), '{"_id":"q1","text":"cats"}\n{"_id":"q9","text":"unjudged"}\n')
  await writeFile(join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\n')
  return dir
}

describe('Node loaders', () => {
  it('loads a BEIR folder, keeping only judged queries', async () => {
    const dir = await beirFixture(
      '{"_id":"d1","title":"Cats","text":"Cats purr."}\n{"_id":"d2","text":"Dogs."}\n',
    )
    const data = await loadBeir(dir)
    expect(data.documents.map((d) => d.id)).toEqual(['d1', 'd2'])
    expect(data.queries).toEqual([{ id: 'q1', text: 'cats' }])
    expect(data.qrels.get('q1')?.get('d1')).toBe(1)
  })

  it('names the file and line of a malformed corpus line', async () => {
    const dir = await beirFixture('{"_id":"d1","text":"ok"}\n{"_id":"d2","txt":"typo"}\n')
    const error = await loadBeir(dir).catch((e: unknown) => e as DatasetError)
    expect(error).toBeInstanceOf(DatasetError)
    expect((error as DatasetError).message).toBe(`${join(dir, 'corpus.jsonl')}:2: "text" must be a string`)
  })

  it('refuses duplicate ids and a missing split', async () => {
    const dup = await beirFixture('{"_id":"d1","text":"a"}\n{"_id":"d1","text":"b"}\n')
    await expect(loadBeir(dup)).rejects.toMatchObject({ code: 'DUPLICATE_ID' })
    await expect(loadBeir(dup, { split: 'dev' })).rejects.toMatchObject({
      code: 'MISSING_FILE',
      file: join(dup, 'qrels', 'dev.tsv'),
    })
  })

  it('loads the Cranfield collection from the shared datasets', async () => {
    const data = await loadCranfield(
      new URL('../../../../shared/datasets/cranfield', import.meta.url).pathname,
    )
    expect(data.documents).toHaveLength(1400)
    expect(data.queries).toHaveLength(225)
    expect(data.queries[2]?.text).toMatch(/^what problems of heat conduction in composite slabs/)
    expect(data.qrels.size).toBe(225)
    // cranqrel "1 184 2" → gain 3; "1 486 -1" → judged non-relevant.
    expect(data.qrels.get('1')?.get('184')).toBe(3)
    expect(data.qrels.get('1')?.get('486')).toBe(0)
  })

  it('splits the bundled State of the Union corpus into unique passages', () => {
    const docs = loadDefaultCorpus()
    expect(docs.length).toBeGreaterThan(10_000)
    expect(new Set(docs.map((d) => d.id)).size).toBe(docs.length)
    expect(docs[0]?.id).toBe('1790-george-washington-001')
    expect(docs[0]?.text).toMatch(/^Fellow-Citizens of the Senate and House of Representatives/)
    expect(docs.some((d) => d.id.startsWith('1863-abraham-lincoln-'))).toBe(true)
  })
})
