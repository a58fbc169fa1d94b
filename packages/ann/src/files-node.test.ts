import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import h5wasm from 'h5wasm/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FlatIndex } from './flat.ts'
import { writeBvecs, writeFvecs } from './io.ts'
import {
  readAnnBenchmarksHdf5,
  readIndexFile,
  readNeighborsFile,
  readVectorFile,
  writeIndexFile,
} from './node.ts'
import { errorCode } from './test-data.ts'

async function rejectsWith(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (e) {
    return (e as { code?: string }).code
  }
  return undefined
}

describe('Node file helpers', () => {
  let dir = ''
  const train = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0])
  const test = new Float32Array([1, 0.1, 0, 0, 0.2, 1])

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frugal-ann-'))
    await h5wasm.ready
    const f = new h5wasm.File(join(dir, 'tiny.hdf5'), 'w')
    f.create_dataset({ name: 'train', data: train, shape: [4, 3], dtype: '<f' })
    f.create_dataset({ name: 'test', data: test, shape: [2, 3], dtype: '<f' })
    f.create_dataset({ name: 'neighbors', data: new Int32Array([0, 3, 2, 1]), shape: [2, 2], dtype: '<i' })
    f.create_dataset({
      name: 'distances',
      data: new Float32Array([0.1, 0.2, 0.3, 0.4]),
      shape: [2, 2],
      dtype: '<f',
    })
    f.create_attribute('distance', 'angular')
    f.close()
    const bad = new h5wasm.File(join(dir, 'no-test.hdf5'), 'w')
    bad.create_dataset({ name: 'train', data: train, shape: [4, 3], dtype: '<f' })
    bad.close()
    await writeFile(join(dir, 'base.fvecs'), writeFvecs(train, 4, 3))
    await writeFile(join(dir, 'base.bvecs'), writeBvecs(new Uint8Array([1, 2, 3, 4, 5, 6]), 2, 3))
    await writeFile(join(dir, 'cut.fvecs'), writeFvecs(train, 4, 3).subarray(0, 30))
    await writeFile(join(dir, 'not.hdf5'), new TextEncoder().encode('hello'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads an ann-benchmarks HDF5 file', async () => {
    const f = await readAnnBenchmarksHdf5(join(dir, 'tiny.hdf5'))
    expect(f).toMatchObject({ distance: 'angular', metric: 'cosine' })
    expect(f.train).toMatchObject({ n: 4, dim: 3 })
    expect(Array.from(f.train.data)).toEqual(Array.from(train))
    expect(f.test.n).toBe(2)
    expect(Array.from(f.neighbors!.data)).toEqual([0, 3, 2, 1])
    expect(f.distances!.dim).toBe(2)
    const queries = await readVectorFile(join(dir, 'tiny.hdf5'), { part: 'test' })
    expect(queries).toMatchObject({ n: 2, dim: 3, metric: 'cosine' })
    expect((await readNeighborsFile(join(dir, 'tiny.hdf5'))).n).toBe(2)
  })

  it('refuses HDF5 files without the ann-benchmarks layout', async () => {
    expect(await rejectsWith(readAnnBenchmarksHdf5(join(dir, 'no-test.hdf5')))).toBe('CORRUPT')
    expect(await rejectsWith(readAnnBenchmarksHdf5(join(dir, 'not.hdf5')))).toBe('CORRUPT')
  })

  it('reads fvecs and bvecs by extension and refuses the rest', async () => {
    expect((await readVectorFile(join(dir, 'base.fvecs'))).n).toBe(4)
    const b = await readVectorFile(join(dir, 'base.bvecs'))
    expect(Array.from(b.data)).toEqual([1, 2, 3, 4, 5, 6])
    expect(await rejectsWith(readVectorFile(join(dir, 'cut.fvecs')))).toBe('TRUNCATED')
    expect(await rejectsWith(readVectorFile(join(dir, 'base.txt')))).toBe('INVALID_ARGUMENT')
    expect(await rejectsWith(readVectorFile(join(dir, 'missing.fvecs')))).toBe('INVALID_ARGUMENT')
  })

  it('writes and reads index files', async () => {
    const index = FlatIndex.build(train, 4, 3, { metric: 'ip' })
    const path = join(dir, 'x.frgl')
    const size = await writeIndexFile(path, index)
    expect(size).toBe(index.serialize().length)
    const loaded = await readIndexFile(path)
    expect(Array.from(loaded.search(test.subarray(0, 3), 2).ids)).toEqual(
      Array.from(index.search(test.subarray(0, 3), 2).ids),
    )
    expect(await rejectsWith(readIndexFile(join(dir, 'base.fvecs')))).toBe('BAD_MAGIC')
    expect(errorCode(() => FlatIndex.build(train, 4, 3, { metric: 'ip' }).search(test, 1))).toBe(
      'DIMENSION_MISMATCH',
    )
  })
})
