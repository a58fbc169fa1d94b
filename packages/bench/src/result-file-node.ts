import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { BenchError } from './errors.ts'
import { type BenchResult, parseResult } from './schema.ts'

/**
 * Validates `result` and writes it as pretty JSON. The file appears whole or not at all (written to
 * a temporary name, then renamed), so a reader never sees half a result.
 * @throws {BenchError} `INVALID_RESULT` when the result does not pass the schema (nothing is written)
 */
export async function writeResult(path: string, result: BenchResult): Promise<void> {
  const valid = parseResult(result, path)
  const text = `${JSON.stringify(valid, null, 2)}\n`
  const tmp = `${path}.${process.pid}.tmp`
  try {
    await mkdir(dirname(path), { recursive: true })
    await writeFile(tmp, text)
    await rename(tmp, path)
  } catch (cause) {
    throw new BenchError('IO_ERROR', `${path}: cannot write result (${(cause as Error).message})`, {
      cause,
      file: path,
    })
  }
}

/**
 * Reads and validates one result file.
 * @throws {BenchError} `IO_ERROR`, `INVALID_JSON` or `INVALID_RESULT` naming the file
 */
export async function readResult(path: string): Promise<BenchResult> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new BenchError('IO_ERROR', `${path}: cannot read (${(cause as Error).message})`, {
      cause,
      file: path,
    })
  }
  return parseResult(text, path)
}
