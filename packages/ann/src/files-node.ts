import { readFile, rename, writeFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { AnnError } from './errors.ts'
import { readAnnBenchmarksHdf5 } from './hdf5-node.ts'
import { readBvecs, readFvecs, readIvecs, writeIvecs } from './io.ts'
import { loadIndex } from './load.ts'
import type { Metric, VectorIndex } from './types.ts'

/** Vectors read from a file, with the metric the file declares (HDF5 only). */
export interface VectorFile {
  data: Float32Array
  n: number
  dim: number
  metric?: Metric
}

const HDF5 = new Set(['.hdf5', '.h5'])

/**
 * Reads float vectors from `.fvecs`, `.bvecs` (widened to float) or an ann-benchmarks
 * `.hdf5`/`.h5` file (its `train` set, or `test` with `{ part: 'test' }`).
 */
export async function readVectorFile(
  path: string,
  options: { part?: 'train' | 'test' } = {},
): Promise<VectorFile> {
  const ext = extname(path).toLowerCase()
  if (HDF5.has(ext)) {
    const file = await readAnnBenchmarksHdf5(path)
    const part = file[options.part ?? 'train']
    return file.metric ? { ...part, metric: file.metric } : { ...part }
  }
  const bytes = await readBytes(path)
  if (ext === '.fvecs') return readFvecs(bytes)
  if (ext === '.bvecs') {
    const b = readBvecs(bytes)
    return { data: Float32Array.from(b.data), n: b.n, dim: b.dim }
  }
  throw new AnnError('INVALID_ARGUMENT', `${path}: expected a .fvecs, .bvecs, .hdf5 or .h5 file`)
}

/** Reads ground-truth neighbour ids from `.ivecs` or the `neighbors` set of an ann-benchmarks HDF5 file. */
export async function readNeighborsFile(path: string): Promise<{ data: Int32Array; n: number; dim: number }> {
  const ext = extname(path).toLowerCase()
  if (HDF5.has(ext)) {
    const file = await readAnnBenchmarksHdf5(path)
    if (!file.neighbors) throw new AnnError('CORRUPT', `${path} has no 'neighbors' dataset`)
    return file.neighbors
  }
  if (ext === '.ivecs') return readIvecs(await readBytes(path))
  throw new AnnError('INVALID_ARGUMENT', `${path}: expected an .ivecs, .hdf5 or .h5 file`)
}

/** Reads and validates a saved index (`.frgl`). */
export async function readIndexFile(path: string): Promise<VectorIndex> {
  return loadIndex(await readBytes(path))
}

/** Saves an index; the file appears complete or not at all (written aside, then renamed). */
export async function writeIndexFile(path: string, index: VectorIndex): Promise<number> {
  const bytes = index.serialize()
  await writeFileAtomic(path, bytes)
  return bytes.length
}

/** Writes neighbour ids (`n` rows of `k`) as `.ivecs`. */
export async function writeIvecsFile(path: string, ids: Int32Array, n: number, k: number): Promise<void> {
  await writeFileAtomic(path, writeIvecs(ids, n, k))
}

/** Writes `bytes` to `path` through a temporary file and a rename. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, bytes)
  await rename(tmp, path)
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path)
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  } catch (cause) {
    throw new AnnError('INVALID_ARGUMENT', `cannot read ${path}: ${(cause as Error).message}`, { cause })
  }
}
