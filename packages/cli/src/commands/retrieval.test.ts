import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runFrugal } from '../testing/run-frugal.ts'

/** Runs the real `frugal` binary as a child process. */
const frugal = (...args: string[]) => runFrugal(args)

const DOCS = [
  [
    'rail',
    'Railroads',
    'The transcontinental railroad links the eastern railways to the Pacific coast by rail.',
  ],
  ['tax', 'Taxes', 'Income tax cuts and tax relief for working families were proposed in the budget.'],
  ['navy', 'The Navy', 'Ships of the navy patrol the seas; the fleet needs new battleships and sailors.'],
  [
    'farm',
    'Agriculture',
    'Farmers harvest wheat and corn; agriculture prices and crops depend on the weather.',
  ],
  [
    'school',
    'Education',
    'Public schools and teachers educate children; education funding for schools grows.',
  ],
  [
    'moon',
    'Space',
    'Astronauts will fly rockets to the moon; the space program explores the moon and planets.',
  ],
]

let dir: string
let out: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'frugal-cli-'))
  const corpus = join(dir, 'corpus')
  await mkdir(join(corpus, 'qrels'), { recursive: true })
  await writeFile(
    join(corpus, 'corpus.jsonl'),
    DOCS.map(([id, title, text]) => JSON.stringify({ _id: id, title, text })).join('\n'),
  )
  await writeFile(
    join(corpus, 'queries.jsonl'),
    '{"_id":"q1","text":"rockets to the moon"}\n{"_id":"q2","text":"wheat farmers"}\n',
  )
  await writeFile(join(corpus, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\tmoon\t1\nq2\tfarm\t2\n')
  out = join(dir, 'index')
  const built = await frugal('index', 'build', '--corpus', corpus, '--dims', '4', '--out', out)
  expect(built.stderr).toBe('')
  expect(built.code).toBe(0)
  expect(built.stdout).toMatch(/index set "corpus": 6 documents, lsa 4 dims, flat index/)
})

describe('frugal index build + search + eval', () => {
  it('writes the index set files', async () => {
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'))
    expect(manifest.corpus.documents).toBe(6)
    expect(Object.keys(manifest.files).sort()).toEqual([
      'dense.ann',
      'documents.json',
      'embedder.bin',
      'lexical.json',
    ])
  })

  it('returns the obviously relevant document first in every mode', async () => {
    for (const mode of ['dense', 'lexical', 'hybrid']) {
      const { code, stdout } = await frugal(
        'search',
        '--index',
        out,
        '--query',
        'battleships of the navy',
        '--mode',
        mode,
        '-k',
        '3',
      )
      expect(code, mode).toBe(0)
      expect(stdout.split('\n')[0], mode).toMatch(/^\s+1\s+\S+\s+navy\s+The Navy$/)
    }
    const json = await frugal(
      'search',
      '--index',
      out,
      '--query',
      'tax relief',
      '--json',
      '-k',
      '1',
      '--mode',
      'dense',
      '--dims',
      '2',
    )
    const res = JSON.parse(json.stdout)
    expect(res.hits[0].id).toBe('tax')
    expect(res.cost.dims).toBe(2)
  })

  it('writes a TREC run for a queries file', async () => {
    const runFile = join(dir, 'run.trec')
    const { code } = await frugal(
      'search',
      '--index',
      out,
      '--queries',
      join(dir, 'corpus', 'queries.jsonl'),
      '--run',
      runFile,
      '-k',
      '2',
      '--mode',
      'lexical',
    )
    expect(code).toBe(0)
    const lines = (await readFile(runFile, 'utf8')).trim().split('\n')
    expect(lines[0]).toMatch(/^q1 Q0 moon 1 \d+\.\d{6} frugal-lexical$/)
    expect(lines.every((l) => /^q\d Q0 \S+ [12] \S+ frugal-lexical$/.test(l))).toBe(true)
  })

  it('evaluates modes and dims with nDCG@10, Recall@100 and MRR@10', async () => {
    const { code, stdout } = await frugal(
      'eval',
      '--index',
      out,
      '--dataset',
      join(dir, 'corpus'),
      '--dims',
      '2,4',
      '--json',
    )
    expect(code).toBe(0)
    const rows = JSON.parse(stdout) as {
      mode: string
      dims: number | null
      ndcg10: number
      recall100: number
      mrr10: number
    }[]
    expect(rows.map((r) => `${r.mode}:${r.dims ?? '-'}`)).toEqual([
      'lexical:-',
      'dense:2',
      'dense:4',
      'hybrid:2',
      'hybrid:4',
    ])
    const lexical = rows[0]!
    expect(lexical.ndcg10).toBe(1)
    expect(lexical.mrr10).toBe(1)
    expect(lexical.recall100).toBe(1)
  })

  it('fails with a message and exit code 1 on bad flags or a damaged set', async () => {
    const both = await frugal('search', '--index', out, '--query', 'x', '--dims', '2', '--budget', '100')
    expect(both.code).toBe(1)
    expect(both.stderr).toMatch(/give --dims or --budget, not both/)
    const mode = await frugal('search', '--index', out, '--query', 'x', '--mode', 'fuzzy')
    expect(mode.stderr).toMatch(/--mode must be one of dense, lexical, hybrid/)
    await writeFile(join(out, 'lexical.json'), '{}')
    const damaged = await frugal('search', '--index', out, '--query', 'moon')
    expect(damaged.code).toBe(1)
    expect(damaged.stderr).toMatch(/lexical\.json: \d+ bytes, manifest says/)
    const missing = await frugal('index', 'build', '--corpus', join(dir, 'nope'), '--out', join(dir, 'x'))
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/no such folder/)
  })
})

describe('frugal index build with a local transformers model', () => {
  it('embeds the corpus with the model and embeds queries with it at search time', async () => {
    // The generator of the tiny BERT-like test model lives with the embedder's own tests.
    const { writeTinyBert } = await import('../../../models/src/tiny-bert-fixture-node.ts')
    const model = join(dir, 'tiny-bert')
    await writeTinyBert(model)
    const corpus = join(dir, 'tiny-corpus')
    await mkdir(corpus)
    const texts = ['the cat sat on the mat', 'dog ran in the park', 'tax on rail', 'cats in the park']
    await writeFile(
      join(corpus, 'corpus.jsonl'),
      texts.map((text, i) => JSON.stringify({ _id: `d${i}`, title: '', text })).join('\n'),
    )
    const out = join(dir, 'tiny-index')
    const built = await frugal(
      'index',
      'build',
      '--corpus',
      corpus,
      '--embedder',
      model,
      '--out',
      out,
      '--no-tune',
    )
    expect(built.stderr).toBe('')
    expect(built.stdout).toMatch(/4 documents, transformers 8 dims, flat index/)
    const res = await frugal(
      'search',
      '--index',
      out,
      '--query',
      'tax on rail',
      '--mode',
      'dense',
      '--json',
      '-k',
      '4',
    )
    expect(res.code).toBe(0)
    const hits = JSON.parse(res.stdout).hits as { id: string; score: number }[]
    expect(hits[0]?.id).toBe('d2')
    expect(hits[0]?.score).toBeCloseTo(1, 5)
  })
})
