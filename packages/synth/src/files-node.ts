import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { SynthError } from './errors.ts'
import { factWorldFiles } from './fact-files.ts'
import type { FactWorld } from './facts.ts'
import { decodePng, encodePng } from './png.ts'
import type { RgbImage } from './render.ts'
import { renderScene } from './render.ts'
import { parseSceneRecord, type SceneRecord } from './schema.ts'
import { generateSample, resolveWorldOptions, type SceneWorldOptions, type Split } from './world.ts'

/** Writes a file through a temporary name and a rename, so a reader never sees half of it. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  const tmp = `${file}.tmp-${process.pid}`
  await writeFile(tmp, data)
  await rename(tmp, file)
}

/**
 * Writes `scenes.jsonl` (one record a line, streamed to disk) and, for records that carry one,
 * `images/<id>.png`. The JSONL file appears under its name only once complete.
 */
export async function writeSceneRecords(
  dir: string,
  records:
    | AsyncIterable<{ record: SceneRecord; png?: Uint8Array }>
    | Iterable<{ record: SceneRecord; png?: Uint8Array }>,
): Promise<number> {
  await mkdir(join(dir, 'images'), { recursive: true })
  const file = join(dir, 'scenes.jsonl')
  const tmp = `${file}.tmp-${process.pid}`
  const out = await open(tmp, 'w')
  let count = 0
  try {
    for await (const { record, png } of records) {
      if (png) await writeFile(join(dir, 'images', `${record.id}.png`), png)
      await out.write(`${JSON.stringify({ ...record, image: png ? `images/${record.id}.png` : null })}\n`)
      count++
    }
  } catch (error) {
    await out.close()
    await rm(tmp, { force: true })
    throw error
  }
  await out.close()
  await rename(tmp, file)
  return count
}

export interface WriteScenesOptions {
  seed: number
  n: number
  split?: Split
  /** First index (default 0): shards of one split can be written apart and concatenated. */
  start?: number
  world?: SceneWorldOptions
  onProgress?: (done: number, total: number) => void
}

/**
 * Generates and writes `n` samples of the scene world to `dir`: `scenes.jsonl` plus `images/<id>.png`.
 * @returns the number of samples and the seconds taken.
 */
export async function writeScenes(
  dir: string,
  options: WriteScenesOptions,
): Promise<{ count: number; seconds: number }> {
  const world = resolveWorldOptions(options.world)
  const split = options.split ?? 'train'
  const start = options.start ?? 0
  const started = performance.now()
  function* produce() {
    for (let i = 0; i < options.n; i++) {
      const sample = generateSample({ seed: options.seed, split, index: start + i }, world)
      const png = encodePng(renderScene(sample.graph))
      options.onProgress?.(i + 1, options.n)
      yield { record: sample, png }
    }
  }
  const count = await writeSceneRecords(dir, produce())
  return { count, seconds: (performance.now() - started) / 1000 }
}

/** Reads and checks every record of `<dir>/scenes.jsonl`; one bad line refuses the whole file (INVALID_SAMPLE). */
export async function readSceneRecords(dir: string): Promise<SceneRecord[]> {
  const file = join(dir, 'scenes.jsonl')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new SynthError('IO_ERROR', `cannot read ${file}: ${(error as Error).message}`, { cause: error })
  }
  const records: SceneRecord[] = []
  const ids = new Set<string>()
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      throw new SynthError('INVALID_SAMPLE', `${file}:${i + 1}: not JSON`)
    }
    const record = parseSceneRecord(value, `${file}:${i + 1}`)
    if (ids.has(record.id))
      throw new SynthError('INVALID_SAMPLE', `${file}:${i + 1}: duplicate id "${record.id}"`, { path: 'id' })
    ids.add(record.id)
    records.push(record)
  })
  return records
}

/** The image of a record read from `dir` (its PNG), or undefined when it has none. */
export async function readRecordImage(dir: string, record: SceneRecord): Promise<RgbImage | undefined> {
  if (!record.image) return undefined
  const file = join(dir, record.image)
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (error) {
    throw new SynthError('IO_ERROR', `cannot read ${file}: ${(error as Error).message}`, { cause: error })
  }
  return decodePng(bytes)
}

/** Writes a fact world in BEIR layout (`corpus.jsonl`, `queries.jsonl`, `qrels/test.tsv`) plus `answers.jsonl` and `entities.jsonl`. */
export async function writeFactWorld(dir: string, world: FactWorld): Promise<void> {
  for (const [path, text] of Object.entries(factWorldFiles(world)))
    await writeFileAtomic(join(dir, path), text)
}
