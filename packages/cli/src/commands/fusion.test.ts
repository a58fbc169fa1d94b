import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runFrugal } from '../testing/run-frugal.ts'

const frugal = (...args: string[]) => runFrugal(args)

/** Documents of two sentences each, so that the calibration has pseudo-queries to draw. */
const DOCS = [
  [
    'rail',
    'The transcontinental railroad links the eastern railways to the Pacific coast. Rail freight grows.',
  ],
  ['tax', 'Income tax cuts and tax relief for working families. The budget proposes lower income tax rates.'],
  ['navy', 'Ships of the navy patrol the seas. The fleet needs new battleships, sailors and naval yards.'],
  [
    'farm',
    'Farmers harvest wheat and corn. Agriculture prices and crops depend on the weather and the harvest.',
  ],
  ['school', 'Public schools and teachers educate children. Education funding for public schools grows.'],
  ['moon', 'Astronauts will fly rockets to the moon. The space program explores the moon and the planets.'],
]

let dir: string
let out: string
let legacy: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'frugal-fusion-'))
  const corpus = join(dir, 'corpus')
  await mkdir(corpus, { recursive: true })
  await writeFile(
    join(corpus, 'corpus.jsonl'),
    DOCS.map(([id, text]) => JSON.stringify({ _id: id, title: '', text })).join('\n'),
  )
  out = join(dir, 'index')
  const built = await frugal('index', 'build', '--corpus', corpus, '--dims', '4', '--out', out)
  expect(built.code).toBe(0)
  expect(built.stdout).toMatch(
    /hybrid: (rrf|convex) fusion \(dense [\d.]+, lexical [\d.]+.*\), fitted on \d+ pseudo-queries/,
  )
  legacy = join(dir, 'legacy')
  const plain = await frugal(
    'index',
    'build',
    '--corpus',
    corpus,
    '--dims',
    '4',
    '--out',
    legacy,
    '--no-calibrate',
  )
  expect(plain.code).toBe(0)
  expect(plain.stdout).not.toMatch(/hybrid:/)
})

describe('hybrid fusion from the command line', () => {
  it('stores the calibrated fusion in the manifest, or none with --no-calibrate', async () => {
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'))
    expect(manifest.fusion.calibration.generator).toBe('inverse-cloze-v1')
    expect(manifest.fusion.calibration.queries).toBeGreaterThan(0)
    const plain = JSON.parse(await readFile(join(legacy, 'manifest.json'), 'utf8'))
    expect(plain.fusion).toBeUndefined()
  })

  it('`index search` runs with the set fusion, and the flags override it per query', async () => {
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'))
    const byDefault = await frugal('index', 'search', '--index', out, '--query', 'naval ships', '--json')
    expect(byDefault.code).toBe(0)
    const { calibration: _, ...calibrated } = manifest.fusion
    expect(JSON.parse(byDefault.stdout).settings.fusion).toEqual({ ...calibrated, depth: 100 })
    const override = await frugal(
      'index',
      'search',
      '--index',
      out,
      '--query',
      'naval ships',
      '--fusion',
      'rrf',
      '--dense-weight',
      '0.25',
      '--lexical-weight',
      '2',
      '--rrf-k',
      '10',
      '--json',
    )
    expect(JSON.parse(override.stdout).settings.fusion).toEqual({
      method: 'rrf',
      k: 10,
      denseWeight: 0.25,
      lexicalWeight: 2,
      depth: 100,
    })
    const lexicalOnly = await frugal(
      'search',
      '--index',
      out,
      '--query',
      'moon rockets',
      '--fusion',
      'convex',
      '--dense-weight',
      '0',
    )
    expect(lexicalOnly.stdout.split('\n')[0]).toMatch(/^\s+1\s+\S+\s+moon/)
    expect(lexicalOnly.stderr).toMatch(/convex fusion \(dense 0, lexical [\d.]+\)/)
    const old = await frugal('search', '--index', legacy, '--query', 'moon rockets', '--json')
    expect(JSON.parse(old.stdout).settings.fusion).toMatchObject({ method: 'rrf', k: 60, denseWeight: 1 })
  })

  it('refuses bad fusion flags with a message naming the flag and exit code 1', async () => {
    const cases: [string[], RegExp][] = [
      [['--fusion', 'linear'], /--fusion must be one of rrf, convex/],
      [['--dense-weight', '-1'], /--dense-weight must be a number >= 0/],
      [['--lexical-weight', 'abc'], /--lexical-weight must be a number >= 0/],
      [['--dense-weight', '0', '--lexical-weight', '0'], /must not both be 0/],
      [['--fusion', 'convex', '--rrf-k', '10'], /--rrf-k applies to --fusion rrf only/],
      [['--fusion-depth', '0'], /--fusion-depth must be a positive integer/],
      [['--mode', 'lexical', '--dense-weight', '1'], /fusion flags apply to --mode hybrid only/],
    ]
    for (const [flags, message] of cases) {
      const res = await frugal('index', 'search', '--index', out, '--query', 'moon', ...flags)
      expect(res.code, flags.join(' ')).toBe(1)
      expect(res.stderr, flags.join(' ')).toMatch(message)
    }
    const noCal = await frugal(
      'index',
      'build',
      '--corpus',
      join(dir, 'corpus'),
      '--out',
      join(dir, 'x'),
      '--no-calibrate',
      '--calibration-queries',
      '10',
    )
    expect(noCal.code).toBe(1)
    expect(noCal.stderr).toMatch(/--calibration-queries needs calibration/)
  })
})
