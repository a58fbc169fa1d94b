import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodePng } from '@frugal/synth'
import { beforeAll, describe, expect, it } from 'vitest'
import { runFrugal } from '../testing/run-frugal.ts'

const frugal = (...args: string[]) => runFrugal(args)

let dir: string
let scenes: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'frugal-synth-'))
  scenes = join(dir, 'scenes')
  const run = await frugal('synth', 'scenes', '--n', '30', '--seed', '4', '--out', scenes)
  expect(run.stderr).toBe('')
  expect(run.code).toBe(0)
  expect(run.stdout).toMatch(/^30 scenes \(train, seed 4, 96×96\) in .*scenes\/s\n$/)
})

const lines = async (file: string) =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))

describe('frugal synth scenes', () => {
  it('writes scenes.jsonl (id, graph, captions, qa) and one PNG per scene', async () => {
    const records = await lines(join(scenes, 'scenes.jsonl'))
    expect(records).toHaveLength(30)
    for (const r of records) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['id', 'graph', 'captions', 'qa', 'image']))
      expect(r.qa.length).toBeGreaterThan(4)
      const png = decodePng(await readFile(join(scenes, r.image)))
      expect([png.width, png.height]).toEqual([96, 96])
    }
    expect((await readdir(join(scenes, 'images'))).sort()).toEqual(records.map((r) => `${r.id}.png`).sort())
  })

  it('writes the same bytes for the same seed and different ones for another', async () => {
    const again = join(dir, 'again')
    const other = join(dir, 'other')
    expect((await frugal('synth', 'scenes', '--n', '30', '--seed', '4', '--out', again)).code).toBe(0)
    expect((await frugal('synth', 'scenes', '--n', '30', '--seed', '5', '--out', other)).code).toBe(0)
    const read = (d: string, f: string) => readFile(join(d, f))
    expect(await read(again, 'scenes.jsonl')).toEqual(await read(scenes, 'scenes.jsonl'))
    expect(await read(again, 'images/train-4-7.png')).toEqual(await read(scenes, 'images/train-4-7.png'))
    expect(await read(other, 'scenes.jsonl')).not.toEqual(await read(scenes, 'scenes.jsonl'))
  })

  it('takes the size, long-tail, caption-noise and hold-out knobs', async () => {
    const out = join(dir, 'knobs')
    const run = await frugal(
      ...['synth', 'scenes', '--n', '40', '--seed', '1', '--out', out, '--size', '64'],
      ...[
        '--long-tail',
        '1.1',
        '--caption-noise',
        '0.5',
        '--holdout',
        'red star, blue circle',
        '--split',
        'train',
      ],
    )
    expect(run.code).toBe(0)
    const records = await lines(join(out, 'scenes.jsonl'))
    expect(decodePng(await readFile(join(out, records[0].image))).width).toBe(64)
    const combos = records.flatMap((r) =>
      r.graph.objects.map((o: { colour: string; shape: string }) => `${o.colour} ${o.shape}`),
    )
    expect(combos).not.toContain('red star')
    expect(combos).not.toContain('blue circle')
    expect(records.flatMap((r) => r.captions).some((c: { noise?: string }) => c.noise)).toBe(true)
  })

  it('refuses bad flags with exit code 2 and a message naming the flag', async () => {
    const out = join(dir, 'bad')
    const cases: [string[], RegExp][] = [
      [['--n', '0', '--seed', '1', '--out', out], /--n must be an integer/],
      [['--n', '3', '--seed', 'x', '--out', out], /--seed must be an integer/],
      [['--n', '3', '--seed', '1'], /--out is required/],
      [['--n', '3', '--seed', '1', '--out', out, '--size', '4'], /--size must be an integer in \[16/],
      [
        ['--n', '3', '--seed', '1', '--out', out, '--caption-noise', '2'],
        /--caption-noise must be a number in \[0, 1\]/,
      ],
      [
        ['--n', '3', '--seed', '1', '--out', out, '--holdout', 'red starfish'],
        /holdout\[0\]: "red starfish"/,
      ],
      [['--n', '3', '--seed', '1', '--out', out, '--split', 'dev'], /--split must be one of/],
      [['--n', '3', '--seed', '1', '--out', out, '--nn', '3'], /unknown flag --nn/],
    ]
    const runs = await Promise.all(cases.map(([args]) => frugal('synth', 'scenes', ...args)))
    runs.forEach((run, i) => {
      expect(run.code, cases[i]![0].join(' ')).toBe(2)
      expect(run.stderr).toMatch(cases[i]![1])
    })
  })
})

describe('frugal synth facts', () => {
  it('writes a BEIR folder that frugal index build takes unchanged, with answers at their offsets', async () => {
    const facts = join(dir, 'facts')
    const run = await frugal('synth', 'facts', '--entities', '120', '--seed', '2', '--out', facts)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^120 passages, 120 questions \(60 single-hop, 60 two-hop\)/)
    const corpus = new Map((await lines(join(facts, 'corpus.jsonl'))).map((d) => [d._id, d]))
    const answers = await lines(join(facts, 'answers.jsonl'))
    const queries = await lines(join(facts, 'queries.jsonl'))
    expect(answers.map((a) => a.query_id)).toEqual(queries.map((q) => q._id))
    for (const a of answers)
      for (const s of a.spans) expect(corpus.get(s.doc_id).text.slice(s.start, s.end)).toBe(a.answers[0])
    const qrels = (await readFile(join(facts, 'qrels', 'test.tsv'), 'utf8')).trim().split('\n')
    expect(qrels).toHaveLength(1 + 60 + 120)

    const index = join(dir, 'facts-index')
    const built = await frugal(
      'index',
      'build',
      '--corpus',
      facts,
      '--out',
      index,
      '--dims',
      '16',
      '--no-tune',
    )
    expect(built.stderr).toBe('')
    expect(built.code).toBe(0)
    expect(built.stdout).toMatch(/index set "facts": 120 documents/)
    const evaluated = await frugal(
      'eval',
      '--index',
      index,
      '--dataset',
      facts,
      '--modes',
      'lexical',
      '--json',
    )
    expect(evaluated.code).toBe(0)
    expect(evaluated.stdout).toMatch(/120 queries|"queries":\s*120/)
  })

  it('refuses too few entities', async () => {
    const run = await frugal('synth', 'facts', '--entities', '3', '--seed', '1', '--out', join(dir, 'few'))
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--entities must be an integer in \[12,/)
  })
})

describe('frugal synth ctrl', () => {
  it('edits a scenes folder along a path, filters, and reports what it rejected', async () => {
    const policy = join(dir, 'policy.json')
    await writeFile(policy, JSON.stringify({ seed: 1, ops: [{ op: 'remove', where: { shape: 'star' } }] }))
    const out = join(dir, 'ctrl')
    const run = await frugal(
      'synth',
      'ctrl',
      '--in',
      scenes,
      '--policy',
      policy,
      '--path',
      'image-image',
      '--out',
      out,
      '--filter',
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'))
    expect(report).toMatchObject({ path: 'image-image', inputs: 30, filter: true, tagger: 'oracle' })
    expect(report.kept + report.rejected).toBe(30)
    expect(run.stdout).toContain(`${report.kept} of 30 kept`)
    const records = await lines(join(out, 'scenes.jsonl'))
    expect(records).toHaveLength(report.kept)
    for (const r of records) {
      expect(r.graph.objects.some((o: { shape: string }) => o.shape === 'star')).toBe(false)
      expect(r.image).toBe(`images/${r.id}.png`)
      await readFile(join(out, r.image))
    }
    // The same run again writes the same bytes, report included.
    const again = join(dir, 'ctrl-again')
    expect(
      (
        await frugal(
          'synth',
          'ctrl',
          '--in',
          scenes,
          '--policy',
          policy,
          '--path',
          'image-image',
          '--out',
          again,
          '--filter',
        )
      ).code,
    ).toBe(0)
    for (const f of ['scenes.jsonl', 'report.json', `images/${records[0].id}.png`])
      expect(await readFile(join(again, f))).toEqual(await readFile(join(out, f)))
    // A text path writes no images.
    const text = join(dir, 'ctrl-text')
    expect(
      (
        await frugal(
          'synth',
          'ctrl',
          '--in',
          scenes,
          '--policy',
          policy,
          '--path',
          'text-text',
          '--out',
          text,
        )
      ).code,
    ).toBe(0)
    expect((await lines(join(text, 'scenes.jsonl'))).every((r) => r.image === null)).toBe(true)
  })

  it('refuses a bad policy naming the field, and a corrupt input file naming the line', async () => {
    const policy = join(dir, 'bad-policy.json')
    await writeFile(
      policy,
      JSON.stringify({ ops: [{ op: 'replace', attr: 'colour', from: 'red', to: 'purpl' }] }),
    )
    const out = join(dir, 'ctrl-bad')
    const bad = await frugal(
      'synth',
      'ctrl',
      '--in',
      scenes,
      '--policy',
      policy,
      '--path',
      'text-text',
      '--out',
      out,
    )
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/policy ops\[0\]\.to: "purpl" is not a colour .*\[INVALID_POLICY\]/)
    await writeFile(policy, '{"ops": [')
    expect(
      (await frugal('synth', 'ctrl', '--in', scenes, '--policy', policy, '--path', 'text-text', '--out', out))
        .stderr,
    ).toMatch(/not JSON/)
    const good = join(dir, 'good-policy.json')
    await writeFile(good, JSON.stringify({ ops: [{ op: 'remove', where: { colour: 'red' } }] }))
    const broken = join(dir, 'broken')
    const records = (await readFile(join(scenes, 'scenes.jsonl'), 'utf8')).split('\n')
    const third = JSON.parse(records[2]!)
    third.graph.objects[0].colour = 'mauve'
    records[2] = JSON.stringify(third)
    await frugal('synth', 'scenes', '--n', '1', '--seed', '1', '--out', broken)
    await writeFile(join(broken, 'scenes.jsonl'), records.join('\n'))
    const refused = await frugal(
      'synth',
      'ctrl',
      '--in',
      broken,
      '--policy',
      good,
      '--path',
      'text-text',
      '--out',
      out,
    )
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/scenes\.jsonl:3: graph\.objects\[0\]\.colour: .*\[INVALID_SAMPLE\]/)
    const path = await frugal(
      'synth',
      'ctrl',
      '--in',
      scenes,
      '--policy',
      good,
      '--path',
      'text-video',
      '--out',
      out,
    )
    expect(path.code).toBe(2)
    expect(path.stderr).toMatch(/--path must be one of text-text, image-text, text-image, image-image/)
  })
})
