import { createReadStream } from 'node:fs'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { DatasetError } from './errors.ts'
import { lines } from './lines.ts'

/** Streams the lines of a file (a missing file is a `MISSING_FILE` error naming it). */
export async function* fileLines(path: string): AsyncGenerator<string> {
  await requireFile(path)
  yield* lines(createReadStream(path))
}

export async function requireFile(path: string): Promise<void> {
  try {
    await access(path)
  } catch (cause) {
    throw new DatasetError('MISSING_FILE', `no such file`, { file: path, cause })
  }
}

export { join }
