import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RetrievalError } from './errors.ts'
import { parseManifest } from './manifest.ts'
import { INDEX_SET_FILES } from './types.ts'

/**
 * Reads the files of an index set from a directory: `manifest.json` and every file it
 * lists (nothing else). Pass the result to `loadIndexSet`.
 */
export async function readIndexSet(dir: string): Promise<Record<string, Uint8Array>> {
  const manifestPath = join(dir, INDEX_SET_FILES.manifest)
  let manifestBytes: Uint8Array
  try {
    manifestBytes = await readFile(manifestPath)
  } catch (cause) {
    throw new RetrievalError('MISSING_FILE', `${manifestPath}: cannot read (${(cause as Error).message})`, {
      file: INDEX_SET_FILES.manifest,
      cause,
    })
  }
  const manifest = parseManifest(manifestBytes)
  const files: Record<string, Uint8Array> = { [INDEX_SET_FILES.manifest]: manifestBytes }
  for (const name of Object.keys(manifest.files)) {
    try {
      files[name] = await readFile(join(dir, name))
    } catch (cause) {
      throw new RetrievalError('MISSING_FILE', `${join(dir, name)}: cannot read`, { file: name, cause })
    }
  }
  return files
}

/**
 * Writes an index set into `dir` (created if missing). Each file is written to a temporary
 * name and renamed, the manifest last, so a reader never sees a half-written set.
 */
export async function writeIndexSet(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  await mkdir(dir, { recursive: true })
  const names = Object.keys(files).sort((a, b) =>
    a === INDEX_SET_FILES.manifest ? 1 : b === INDEX_SET_FILES.manifest ? -1 : a.localeCompare(b),
  )
  for (const name of names) {
    const tmp = join(dir, `.${name}.tmp`)
    await writeFile(tmp, files[name]!)
    await rename(tmp, join(dir, name))
  }
}

/** Lists the names in `dir` (used to tell an empty output folder from an existing set). */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch {
    return []
  }
}
