import { describe, expect, it } from 'vitest'
import { parseBeirCorpus, parseBeirQrels, parseBeirQueries } from './beir.ts'
import { DatasetError } from './errors.ts'
import { lines, splitLines } from './lines.ts'

async function all<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of source) out.push(x)
  return out
}

async function rejection(promise: Promise<unknown>): Promise<DatasetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(DatasetError)
  return error as DatasetError
}

describe('BEIR parsers', () => {
  it('reads corpus rows with and without titles, numeric ids as strings', async () => {
    const docs = await all(
      parseBeirCorpus(
        splitLines(
          '{"_id":"d1","title":"Cats","text":"Cats purr."}\n\n{"_id":7,"text":"No title."}\n{"_id":"d3","title":null,"text":""}\n',
        ),
      ),
    )
    expect(docs).toEqual([
      { id: 'd1', title: 'Cats', text: 'Cats purr.' },
      { id: '7', title: '', text: 'No title.' },
      { id: 'd3', title: '', text: '' },
    ])
  })

  it('names file and line of invalid JSON', async () => {
    const error = await rejection(all(parseBeirCorpus(['{"_id":"a","text":"x"}', '{"_id":'], 'c.jsonl')))
    expect(error.code).toBe('PARSE_ERROR')
    expect(error.file).toBe('c.jsonl')
    expect(error.line).toBe(2)
    expect(error.message).toMatch(/^c\.jsonl:2: invalid JSON/)
  })

  it('refuses a row without _id or with a non-string text, naming the line', async () => {
    const noId = await rejection(all(parseBeirCorpus(['', '{"text":"x"}'], 'c.jsonl')))
    expect([noId.code, noId.line]).toEqual(['MISSING_FIELD', 2])
    expect(noId.message).toMatch(/"_id"/)
    const badText = await rejection(all(parseBeirCorpus(['{"_id":"a","text":3}'])))
    expect([badText.code, badText.line, badText.file]).toEqual(['MISSING_FIELD', 1, 'corpus.jsonl'])
    const array = await rejection(all(parseBeirQueries(['[1,2]'], 'q.jsonl')))
    expect(array.message).toBe('q.jsonl:1: expected a JSON object')
  })

  it('reads queries and qrels with a header', async () => {
    expect(await all(parseBeirQueries(['{"_id":"q1","text":"cats?"}']))).toEqual([
      { id: 'q1', text: 'cats?' },
    ])
    const qrels = await parseBeirQrels(
      splitLines('query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\nq2\td1\t1\n'),
    )
    expect(qrels.get('q1')).toEqual(
      new Map([
        ['d1', 2],
        ['d2', 0],
      ]),
    )
    expect(qrels.get('q2')?.get('d1')).toBe(1)
  })

  it('refuses qrels lines with missing columns or non-integer scores', async () => {
    const short = await rejection(parseBeirQrels(['query-id\tcorpus-id\tscore', 'q1\td1'], 'qrels/test.tsv'))
    expect([short.code, short.line]).toEqual(['PARSE_ERROR', 2])
    const float = await rejection(parseBeirQrels(['q1\td1\t0.5'], 'qrels/dev.tsv'))
    expect(float.message).toMatch(/^qrels\/dev\.tsv:1: bad judgement/)
  })
})

describe('lines', () => {
  it('splits byte chunks across boundaries, CRLF and multi-byte characters', async () => {
    const bytes = new TextEncoder().encode('a€b\r\nsecond\nthird')
    const chunks = [bytes.slice(0, 2), bytes.slice(2, 7), bytes.slice(7)]
    async function* source() {
      yield* chunks
    }
    expect(await all(lines(source()))).toEqual(['a€b', 'second', 'third'])
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(c)
        controller.close()
      },
    })
    expect(await all(lines(stream))).toEqual(['a€b', 'second', 'third'])
  })
})
