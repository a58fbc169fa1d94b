/// <reference types="node" />
import { open } from 'node:fs/promises'
import { AnnError } from './errors.ts'
import type { Metric } from './types.ts'

/**
 * Reader of the ann-benchmarks HDF5 files (`train`, `test`, `neighbors`, `distances`
 * datasets and a `distance` attribute), through h5wasm's Node build. Node only.
 */

/** A 2-D dataset read from HDF5. */
export interface Matrix2D<T> {
  data: T
  n: number
  dim: number
}

export interface AnnBenchmarksFile {
  /** Base vectors. */
  train: Matrix2D<Float32Array>
  /** Query vectors. */
  test: Matrix2D<Float32Array>
  /** True neighbour ids per query, best first, when present. */
  neighbors?: Matrix2D<Int32Array>
  /** True neighbour distances per query, when present. */
  distances?: Matrix2D<Float32Array>
  /** The file's `distance` attribute (`angular`, `euclidean`, `dot`, ...). */
  distance: string
  /** The Frugal metric for `distance`, if it has one (`angular` is cosine). */
  metric: Metric | undefined
}

const METRIC_OF: Record<string, Metric> = {
  angular: 'cosine',
  cosine: 'cosine',
  euclidean: 'l2',
  l2: 'l2',
  dot: 'ip',
  ip: 'ip',
  inner_product: 'ip',
}

/** The Frugal metric for an ann-benchmarks `distance` name. */
export function metricOfDistance(distance: string): Metric | undefined {
  return METRIC_OF[distance.toLowerCase()]
}

type H5 = typeof import('h5wasm')['default']
let h5: Promise<H5> | undefined

async function loadH5(): Promise<H5> {
  h5 ??= import('h5wasm/node').then(
    async (m) => {
      await m.default.ready
      return m.default
    },
    (cause: unknown) => {
      h5 = undefined
      throw new AnnError(
        'MISSING_DEPENDENCY',
        'reading HDF5 files needs the optional peer dependency h5wasm: npm install h5wasm',
        { cause },
      )
    },
  )
  return h5
}

/**
 * Reads an ann-benchmarks HDF5 file. `train` and `test` are required 2-D float datasets
 * of the same width; `neighbors`/`distances` are read when present. Anything else
 * (missing datasets, wrong ranks, non-finite values) is refused with an `AnnError`.
 */
export async function readAnnBenchmarksHdf5(path: string): Promise<AnnBenchmarksFile> {
  await checkSignature(path)
  const lib = await loadH5()
  let file: InstanceType<H5['File']>
  try {
    file = new lib.File(path, 'r')
  } catch (cause) {
    throw new AnnError('CORRUPT', `${path} is not a readable HDF5 file`, { cause })
  }
  if (typeof file.file_id !== 'bigint' || file.file_id < 0n) {
    throw new AnnError('CORRUPT', `${path} is not a readable HDF5 file`)
  }
  try {
    const keys = file.keys()
    const read = (name: string) => {
      if (!keys.includes(name)) return undefined
      const entity = file.get(name)
      if (!(entity instanceof lib.Dataset))
        throw new AnnError('CORRUPT', `${path}: '${name}' is not a dataset`)
      const shape = entity.shape
      if (shape?.length !== 2) throw new AnnError('CORRUPT', `${path}: '${name}' is not 2-D`)
      const value = entity.value
      const [n, dim] = shape as unknown as [number, number]
      if (!ArrayBuffer.isView(value) || (value as unknown as { length: number }).length !== n * dim) {
        throw new AnnError('CORRUPT', `${path}: '${name}' has no numeric ${n} x ${dim} data`)
      }
      return { value: value as unknown as ArrayLike<number | bigint>, n, dim }
    }
    const floats = (name: string, required: boolean): Matrix2D<Float32Array> | undefined => {
      const d = read(name)
      if (!d) {
        if (required) throw new AnnError('CORRUPT', `${path} has no '${name}' dataset`)
        return undefined
      }
      const data =
        d.value instanceof Float32Array ? d.value : Float32Array.from(d.value as ArrayLike<number>, Number)
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!
        if (v - v !== 0)
          throw new AnnError('NOT_FINITE', `${path}: '${name}' row ${Math.floor(i / d.dim)} holds ${v}`)
      }
      return { data, n: d.n, dim: d.dim }
    }
    const train = floats('train', true)!
    const test = floats('test', true)!
    if (train.dim !== test.dim) {
      throw new AnnError('DIMENSION_MISMATCH', `${path}: train has ${train.dim} dims, test ${test.dim}`)
    }
    let neighbors: Matrix2D<Int32Array> | undefined
    const nb = read('neighbors')
    if (nb) {
      const data = new Int32Array(nb.n * nb.dim)
      for (let i = 0; i < data.length; i++) {
        const v = Number(nb.value[i]!)
        if (!Number.isInteger(v) || v < 0 || v >= train.n) {
          throw new AnnError('CORRUPT', `${path}: neighbors holds id ${v}, outside the ${train.n} train rows`)
        }
        data[i] = v
      }
      if (nb.n !== test.n)
        throw new AnnError('CORRUPT', `${path}: neighbors has ${nb.n} rows for ${test.n} queries`)
      neighbors = { data, n: nb.n, dim: nb.dim }
    }
    const distances = floats('distances', false)
    const attr = file.attrs.distance ? file.get_attribute('distance', true) : undefined
    const distance =
      typeof attr === 'string' ? attr : Array.isArray(attr) && typeof attr[0] === 'string' ? attr[0] : ''
    const out: AnnBenchmarksFile = { train, test, distance, metric: metricOfDistance(distance) }
    if (neighbors) out.neighbors = neighbors
    if (distances) out.distances = distances
    return out
  } finally {
    file.close()
  }
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]

/** HDF5 files start with an 8-byte signature (at 0, or after a user block of 512·2^k bytes). */
async function checkSignature(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'r')
  } catch (cause) {
    throw new AnnError('INVALID_ARGUMENT', `cannot read ${path}: ${(cause as Error).message}`, { cause })
  }
  try {
    const { size } = await handle.stat()
    const head = new Uint8Array(8)
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      await handle.read(head, 0, 8, offset)
      if (SIGNATURE.every((b, i) => head[i] === b)) return
    }
    throw new AnnError('CORRUPT', `${path} is not an HDF5 file (no signature)`)
  } finally {
    await handle.close()
  }
}
