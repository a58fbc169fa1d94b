import { describe, expect, it } from 'vitest'
import {
  cranfieldGain,
  parseCranfieldDocuments,
  parseCranfieldQrels,
  parseCranfieldQueries,
} from './cranfield.ts'
import { DatasetError } from './errors.ts'
import { splitLines } from './lines.ts'

async function all<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of source) out.push(x)
  return out
}

const DOCS = `.I 1
.T
experimental investigation of a
wing .
.A
brenckman,m.
.B
j. ae. scs. 25, 1958, 324.
.W
experimental investigation of a
wing .
  an experimental study .
.I 2
.T
simple shear flow .
.A
.B
.W
simple shear flow past a plate .
`

describe('Cranfield parsers', () => {
  it('reads documents with title and abstract', async () => {
    expect(await all(parseCranfieldDocuments(splitLines(DOCS)))).toEqual([
      {
        id: '1',
        title: 'experimental investigation of a wing .',
        text: 'experimental investigation of a wing . an experimental study .',
      },
      { id: '2', title: 'simple shear flow .', text: 'simple shear flow past a plate .' },
    ])
  })

  it('numbers queries 1..n in file order, not by .I', async () => {
    const qry =
      '.I 001\n.W\nwhat similarity laws .\n.I 002\n.W\nwhat problems\nof heat .\n.I 004\n.W\nlast one .\n'
    expect(await all(parseCranfieldQueries(splitLines(qry)))).toEqual([
      { id: '1', text: 'what similarity laws .' },
      { id: '2', text: 'what problems of heat .' },
      { id: '3', text: 'last one .' },
    ])
  })

  it('maps relevance codes 1..4 to gains 4..1 and -1 to 0', async () => {
    expect([1, 2, 3, 4, -1].map((c) => cranfieldGain(c))).toEqual([4, 3, 2, 1, 0])
    const qrels = await parseCranfieldQrels(splitLines('1 184 2 \n1 12 1\n1 486 -1\n3 5 4\n'))
    expect(qrels.get('1')).toEqual(
      new Map([
        ['184', 3],
        ['12', 4],
        ['486', 0],
      ]),
    )
    expect(qrels.get('3')?.get('5')).toBe(1)
    const lenient = await parseCranfieldQrels(['1 486 -1'], 'cranqrel', undefined, 4)
    expect(lenient.get('1')?.get('486')).toBe(4)
  })

  it('names file and line of malformed records', async () => {
    const bad = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => undefined,
        (x: unknown) => x,
      )
      expect(e).toBeInstanceOf(DatasetError)
      return e as DatasetError
    }
    const outside = await bad(
      all(parseCranfieldDocuments(splitLines('stray text\n.I 1\n.W\nx\n'), 'cran.all.1400')),
    )
    expect([outside.code, outside.file, outside.line]).toEqual(['PARSE_ERROR', 'cran.all.1400', 1])
    const noW = await bad(all(parseCranfieldDocuments(splitLines('.I 1\n.W\nx\n.I 2\n.T\nonly title\n'))))
    expect([noW.code, noW.line]).toEqual(['MISSING_FIELD', 4])
    const badId = await bad(all(parseCranfieldQueries(splitLines('.I x1\n.W\nq\n'), 'cran.qry')))
    expect(badId.message).toMatch(/^cran\.qry:1: bad record id/)
    const unknown = await bad(all(parseCranfieldQueries(splitLines('.I 1\n.T\nq\n'))))
    expect(unknown.message).toMatch(/unknown section "\.T"/)
    const code = await bad(parseCranfieldQrels(['1 2 3', '1 3 5'], 'cranqrel'))
    expect([code.line, code.message]).toEqual([2, 'cranqrel:2: relevance code 5 is not one of 1..4 or -1'])
    const cols = await bad(parseCranfieldQrels(['1 2'], 'cranqrel'))
    expect(cols.line).toBe(1)
    const range = await bad(parseCranfieldQrels(['1 2 3', '226 1 1'], 'cranqrel', 225))
    expect(range.line).toBe(2)
  })
})
