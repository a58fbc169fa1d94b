import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateFactWorld } from './facts.ts'
import { readRecordImage, readSceneRecords, writeFactWorld, writeScenes } from './files-node.ts'
import { renderScene } from './render.ts'
import { generateSample } from './world.ts'

// biome-ignore lint/suspicious/noExplicitAny: a test edits raw JSON
const edit = (line: string, change: (r: any) => void) => {
  const r = JSON.parse(line)
  change(r)
  return JSON.stringify(r)
}

describe('scene folders', () => {
  it('writes scenes and reads back the same records and pixels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'synth-'))
    const seen: number[] = []
    const { count } = await writeScenes(dir, {
      seed: 9,
      n: 6,
      split: 'val',
      start: 3,
      onProgress: (d) => seen.push(d),
    })
    expect(count).toBe(6)
    expect(seen).toEqual([1, 2, 3, 4, 5, 6])
    const records = await readSceneRecords(dir)
    expect(records.map((r) => r.id)).toEqual([
      'val-9-3',
      'val-9-4',
      'val-9-5',
      'val-9-6',
      'val-9-7',
      'val-9-8',
    ])
    const direct = generateSample({ seed: 9, split: 'val', index: 5 })
    expect(records[2]).toEqual({ ...direct, image: 'images/val-9-5.png' })
    expect((await readRecordImage(dir, records[2]!))!.data).toEqual(renderScene(direct.graph).data)
  })

  it('refuses the whole file for one bad line, naming the line and field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'synth-'))
    await writeScenes(dir, { seed: 1, n: 3 })
    const file = join(dir, 'scenes.jsonl')
    const lines = (await readFile(file, 'utf8')).trim().split('\n')
    const cases: [string, RegExp, string][] = [
      ['{"id": "x",', /scenes\.jsonl:2: not JSON/, 'INVALID_SAMPLE'],
      [lines[0]!, /scenes\.jsonl:2: duplicate id "train-1-0"/, 'INVALID_SAMPLE'],
      [
        edit(lines[1]!, (r) => r.graph.relations.push({ subject: 0, predicate: 'left of', object: 99 })),
        /relations\[\d+\]\.object: no such object/,
        'INVALID_SAMPLE',
      ],
      [
        edit(lines[1]!, (r) => {
          r.graph.objects[0].x = 1.5
        }),
        /graph\.objects\[0\]\.x/,
        'INVALID_SAMPLE',
      ],
    ]
    for (const [line, message, code] of cases) {
      await writeFile(file, [lines[0], line, lines[2]].join('\n'))
      await expect(readSceneRecords(dir)).rejects.toMatchObject({
        code,
        message: expect.stringMatching(message),
      })
    }
    await expect(readSceneRecords(join(dir, 'nope'))).rejects.toMatchObject({ code: 'IO_ERROR' })
  })
})

describe('fact folders', () => {
  it('writes the BEIR layout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'facts-'))
    await writeFactWorld(dir, generateFactWorld({ entities: 20, seed: 1 }))
    expect((await readFile(join(dir, 'qrels', 'test.tsv'), 'utf8')).split('\n')[0]).toBe(
      'query-id\tcorpus-id\tscore',
    )
    expect((await readFile(join(dir, 'corpus.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(20)
  })
})
