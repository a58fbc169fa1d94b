import { AnnError } from './errors.ts'

/**
 * The TEXMEX vector file formats (used by SIFT/GIST and most ANN benchmarks): every
 * vector is stored as its dimension (little-endian int32) followed by its components,
 * float32 (`.fvecs`), int32 (`.ivecs`) or uint8 (`.bvecs`). Readers accept an
 * `ArrayBuffer` or `Uint8Array` and refuse, with an `AnnError`, an empty, truncated or
 * inconsistent file (a record whose dimension differs from the first) instead of
 * returning part of it.
 */

/** Vectors read from a file: `n` rows of `dim` values, row-major. */
export interface VecsFile<T> {
  data: T
  n: number
  dim: number
}

type Kind = { name: string; width: number }
const FVECS: Kind = { name: 'fvecs', width: 4 }
const IVECS: Kind = { name: 'ivecs', width: 4 }
const BVECS: Kind = { name: 'bvecs', width: 1 }

/** Largest dimension accepted (guards against reading garbage as a header). */
export const MAX_DIM = 1 << 20

/**
 * What the caller knows about the file. The formats have no record count, so a file cut
 * exactly at a record boundary is only detectable when the expected count is given.
 */
export interface VecsExpect {
  n?: number
  dim?: number
}

function scan(
  input: ArrayBuffer | Uint8Array,
  kind: Kind,
  expect: VecsExpect,
): { bytes: Uint8Array; n: number; dim: number } {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input)
  if (bytes.length < 4) {
    throw new AnnError(
      bytes.length === 0 ? 'CORRUPT' : 'TRUNCATED',
      `${kind.name} file is empty or shorter than a header`,
    )
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const dim = view.getInt32(0, true)
  if (dim < 1 || dim > MAX_DIM) throw new AnnError('CORRUPT', `${kind.name} file declares dimension ${dim}`)
  const record = 4 + dim * kind.width
  const n = Math.floor(bytes.length / record)
  if (n * record !== bytes.length) {
    throw new AnnError(
      'TRUNCATED',
      `${kind.name} file has ${bytes.length} bytes, not a whole number of ${record}-byte records (dim ${dim})`,
    )
  }
  for (let i = 1; i < n; i++) {
    const d = view.getInt32(i * record, true)
    if (d !== dim)
      throw new AnnError('CORRUPT', `${kind.name} record ${i} has dimension ${d}, the first has ${dim}`)
  }
  if (expect.dim !== undefined && expect.dim !== dim) {
    throw new AnnError('DIMENSION_MISMATCH', `${kind.name} file has dimension ${dim}, expected ${expect.dim}`)
  }
  if (expect.n !== undefined && expect.n !== n) {
    throw new AnnError(
      n < expect.n ? 'TRUNCATED' : 'CORRUPT',
      `${kind.name} file holds ${n} records, expected ${expect.n}`,
    )
  }
  return { bytes, n, dim }
}

/** Reads an `.fvecs` file; non-finite components are refused (`NOT_FINITE`). */
export function readFvecs(input: ArrayBuffer | Uint8Array, expect: VecsExpect = {}): VecsFile<Float32Array> {
  const { bytes, n, dim } = scan(input, FVECS, expect)
  const data = new Float32Array(n * dim)
  const out = new Uint8Array(data.buffer)
  const record = 4 + 4 * dim
  for (let i = 0; i < n; i++) out.set(bytes.subarray(i * record + 4, (i + 1) * record), i * dim * 4)
  if (!LITTLE_ENDIAN) swap32(out)
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!
    if (v - v !== 0) throw new AnnError('NOT_FINITE', `fvecs record ${Math.floor(i / dim)} holds ${v}`)
  }
  return { data, n, dim }
}

/** Reads an `.ivecs` file (e.g. ground-truth neighbour ids). */
export function readIvecs(input: ArrayBuffer | Uint8Array, expect: VecsExpect = {}): VecsFile<Int32Array> {
  const { bytes, n, dim } = scan(input, IVECS, expect)
  const data = new Int32Array(n * dim)
  const out = new Uint8Array(data.buffer)
  const record = 4 + 4 * dim
  for (let i = 0; i < n; i++) out.set(bytes.subarray(i * record + 4, (i + 1) * record), i * dim * 4)
  if (!LITTLE_ENDIAN) swap32(out)
  return { data, n, dim }
}

/** Reads a `.bvecs` file (uint8 components, e.g. SIFT1B). */
export function readBvecs(input: ArrayBuffer | Uint8Array, expect: VecsExpect = {}): VecsFile<Uint8Array> {
  const { bytes, n, dim } = scan(input, BVECS, expect)
  const data = new Uint8Array(n * dim)
  const record = 4 + dim
  for (let i = 0; i < n; i++) data.set(bytes.subarray(i * record + 4, (i + 1) * record), i * dim)
  return { data, n, dim }
}

function write(values: Uint8Array, n: number, dim: number, width: number, name: string): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) {
    throw new AnnError('INVALID_ARGUMENT', `${name}: n must be >= 0 and dim in [1, ${MAX_DIM}]`)
  }
  if (values.length !== n * dim * width) {
    throw new AnnError(
      'DIMENSION_MISMATCH',
      `${name}: data holds ${values.length / width} values, expected ${n} x ${dim}`,
    )
  }
  const record = 4 + dim * width
  const out = new Uint8Array(n * record)
  const view = new DataView(out.buffer)
  for (let i = 0; i < n; i++) {
    view.setInt32(i * record, dim, true)
    out.set(values.subarray(i * dim * width, (i + 1) * dim * width), i * record + 4)
  }
  if (!LITTLE_ENDIAN && width === 4) {
    for (let i = 0; i < n; i++) swap32(out.subarray(i * record + 4, (i + 1) * record))
  }
  return out
}

const bytesOf = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

/** Serialises `n` float vectors of `dim` dims as `.fvecs`. */
export function writeFvecs(data: Float32Array, n: number, dim: number): Uint8Array {
  if (!(data instanceof Float32Array))
    throw new AnnError('INVALID_ARGUMENT', 'writeFvecs needs a Float32Array')
  return write(bytesOf(data), n, dim, 4, 'writeFvecs')
}

/** Serialises `n` int vectors of `dim` dims as `.ivecs`. */
export function writeIvecs(data: Int32Array, n: number, dim: number): Uint8Array {
  if (!(data instanceof Int32Array)) throw new AnnError('INVALID_ARGUMENT', 'writeIvecs needs an Int32Array')
  return write(bytesOf(data), n, dim, 4, 'writeIvecs')
}

/** Serialises `n` byte vectors of `dim` dims as `.bvecs`. */
export function writeBvecs(data: Uint8Array, n: number, dim: number): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new AnnError('INVALID_ARGUMENT', 'writeBvecs needs a Uint8Array')
  return write(data, n, dim, 1, 'writeBvecs')
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

function swap32(bytes: Uint8Array): void {
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    const a = bytes[i]!
    const b = bytes[i + 1]!
    bytes[i] = bytes[i + 3]!
    bytes[i + 1] = bytes[i + 2]!
    bytes[i + 2] = b
    bytes[i + 3] = a
  }
}
