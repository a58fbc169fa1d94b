import { crc32 } from './crc32.ts'
import { AnnError } from './errors.ts'

/**
 * The one binary artifact container of @frugal/ann (`.frgl`). Every index kind stores its
 * parameters as JSON and its arrays as named typed sections; everything is little-endian.
 *
 * ```
 * offset  size    field
 * 0       8       magic "FRGLANN\x1a"
 * 8       4       format version (u32), currently 1
 * 12      4       flags (u32), must be 0
 * 16      8       total byte length of the artifact (u64), trailer included
 * 24      4       JSON header byte length J (u32)
 * 28      4       section count S (u32), at most 4096
 * 32      J       JSON header, UTF-8: { "kind": string, "params": object }
 *         pad     zeros up to a multiple of 8
 *         S * 56  section table: name (32 bytes UTF-8, NUL padded), dtype (u32),
 *                 reserved (u32, 0), byte offset (u64), element count (u64)
 *         ...     section data, each section starting at a multiple of 16, zero padding
 * end-4   4       CRC-32 of every byte before it
 * ```
 *
 * `readArtifact` validates magic, version, lengths, the checksum and every section's
 * bounds before it returns anything, and hands out typed-array views into the input
 * buffer without copying (copying only when the input itself is misaligned).
 */
export const ARTIFACT_MAGIC = new Uint8Array([0x46, 0x52, 0x47, 0x4c, 0x41, 0x4e, 0x4e, 0x1a])
export const ARTIFACT_VERSION = 1

const FIXED_HEADER = 32
const ENTRY_BYTES = 56
const NAME_BYTES = 32
const SECTION_ALIGN = 16
const TRAILER = 4
/** Most sections one artifact may hold (index kinds use a few dozen at most). */
const MAX_SECTIONS = 4096

/** The element types a section can hold. */
export type SectionDtype = 'f32' | 'f64' | 'i32' | 'u32' | 'i16' | 'u16' | 'i8' | 'u8'

/** The typed arrays a section can be written from / read as. */
export type SectionArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array

interface DtypeInfo {
  code: number
  bytes: number
  make: (buffer: ArrayBuffer, byteOffset: number, length: number) => SectionArray
}

const DTYPES: Record<SectionDtype, DtypeInfo> = {
  f32: { code: 1, bytes: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  f64: { code: 2, bytes: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  i32: { code: 3, bytes: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  u32: { code: 4, bytes: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  i16: { code: 5, bytes: 2, make: (b, o, n) => new Int16Array(b, o, n) },
  u16: { code: 6, bytes: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  i8: { code: 7, bytes: 1, make: (b, o, n) => new Int8Array(b, o, n) },
  u8: { code: 8, bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
}
const DTYPE_BY_CODE = new Map<number, SectionDtype>(
  (Object.keys(DTYPES) as SectionDtype[]).map((name) => [DTYPES[name].code, name]),
)

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** The dtype of a typed array, or undefined for an unsupported one. */
export function dtypeOf(array: SectionArray): SectionDtype | undefined {
  if (array instanceof Float32Array) return 'f32'
  if (array instanceof Float64Array) return 'f64'
  if (array instanceof Int32Array) return 'i32'
  if (array instanceof Uint32Array) return 'u32'
  if (array instanceof Int16Array) return 'i16'
  if (array instanceof Uint16Array) return 'u16'
  if (array instanceof Int8Array) return 'i8'
  if (array instanceof Uint8Array) return 'u8'
  return undefined
}

const align = (n: number, a: number) => Math.ceil(n / a) * a

/**
 * Builds one artifact.
 * @example
 * const w = new ArtifactWriter('ivf', { metric: 'cosine', dim: 768, nlist: 1024 })
 * w.addSection('centroids', centroids).addSection('list_offsets', offsets)
 * const bytes = w.finish()
 */
export class ArtifactWriter {
  readonly kind: string
  readonly params: Record<string, unknown>
  readonly #sections: { name: string; dtype: SectionDtype; data: SectionArray }[] = []

  constructor(kind: string, params: Record<string, unknown> = {}) {
    if (typeof kind !== 'string' || kind.length === 0)
      throw new AnnError('INVALID_ARGUMENT', 'kind must be a non-empty string')
    this.kind = kind
    this.params = params
  }

  /** Adds a named section (name: at most 32 UTF-8 bytes, unique). The array is copied at `finish`. */
  addSection(name: string, data: SectionArray): this {
    const dtype = dtypeOf(data)
    if (!dtype) throw new AnnError('INVALID_ARGUMENT', `section '${name}' is not a supported typed array`)
    const nameBytes = new TextEncoder().encode(name)
    if (nameBytes.length === 0 || nameBytes.length > NAME_BYTES || nameBytes.includes(0)) {
      throw new AnnError(
        'INVALID_ARGUMENT',
        `section name '${name}' must be 1..${NAME_BYTES} bytes without NUL`,
      )
    }
    if (this.#sections.length >= MAX_SECTIONS) {
      throw new AnnError('INVALID_ARGUMENT', `an artifact holds at most ${MAX_SECTIONS} sections`)
    }
    if (this.#sections.some((s) => s.name === name)) {
      throw new AnnError('INVALID_ARGUMENT', `section '${name}' was added twice`)
    }
    this.#sections.push({ name, dtype, data })
    return this
  }

  /** Serialises header, sections and checksum into one buffer. */
  finish(): Uint8Array {
    const json = new TextEncoder().encode(JSON.stringify({ kind: this.kind, params: this.params }))
    const tableStart = align(FIXED_HEADER + json.length, 8)
    let cursor = align(tableStart + this.#sections.length * ENTRY_BYTES, SECTION_ALIGN)
    const offsets: number[] = []
    for (const s of this.#sections) {
      offsets.push(cursor)
      cursor = align(cursor + s.data.byteLength, SECTION_ALIGN)
    }
    const total = cursor + TRAILER
    const out = new Uint8Array(total)
    const view = new DataView(out.buffer)
    out.set(ARTIFACT_MAGIC, 0)
    view.setUint32(8, ARTIFACT_VERSION, true)
    view.setUint32(12, 0, true)
    view.setBigUint64(16, BigInt(total), true)
    view.setUint32(24, json.length, true)
    view.setUint32(28, this.#sections.length, true)
    out.set(json, FIXED_HEADER)
    const encoder = new TextEncoder()
    this.#sections.forEach((s, i) => {
      const e = tableStart + i * ENTRY_BYTES
      out.set(encoder.encode(s.name), e)
      view.setUint32(e + NAME_BYTES, DTYPES[s.dtype].code, true)
      view.setUint32(e + NAME_BYTES + 4, 0, true)
      view.setBigUint64(e + NAME_BYTES + 8, BigInt(offsets[i]!), true)
      view.setBigUint64(e + NAME_BYTES + 16, BigInt(s.data.length), true)
      const bytes = new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength)
      if (LITTLE_ENDIAN || DTYPES[s.dtype].bytes === 1) out.set(bytes, offsets[i]!)
      else out.set(swapBytes(bytes, DTYPES[s.dtype].bytes), offsets[i]!)
    })
    view.setUint32(total - TRAILER, crc32(out.subarray(0, total - TRAILER)), true)
    return out
  }
}

/** One section of a read artifact. */
export interface ArtifactSection {
  name: string
  dtype: SectionDtype
  /** A view into the artifact's bytes (a copy only if those were misaligned). */
  data: SectionArray
}

/** A validated artifact. */
export interface Artifact {
  version: number
  kind: string
  params: Record<string, unknown>
  sections: Map<string, ArtifactSection>
  /** Total bytes of the artifact. */
  byteLength: number
}

/**
 * Validates and opens an artifact. Throws `AnnError` with `BAD_MAGIC`, `UNSUPPORTED_VERSION`,
 * `TRUNCATED`, `CHECKSUM_MISMATCH` or `CORRUPT` before returning anything if the bytes are
 * not a complete, intact artifact.
 */
export function readArtifact(input: Uint8Array | ArrayBuffer): Artifact {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input)
  if (!(bytes instanceof Uint8Array))
    throw new AnnError('INVALID_ARGUMENT', 'expected a Uint8Array or ArrayBuffer')
  const n = bytes.length
  for (let i = 0; i < Math.min(n, ARTIFACT_MAGIC.length); i++) {
    if (bytes[i] !== ARTIFACT_MAGIC[i])
      throw new AnnError('BAD_MAGIC', 'not a frugal ANN artifact (bad magic number)')
  }
  if (n < FIXED_HEADER + TRAILER)
    throw new AnnError('TRUNCATED', `artifact is ${n} bytes, shorter than its header`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, n)
  const version = view.getUint32(8, true)
  if (version !== ARTIFACT_VERSION) {
    throw new AnnError(
      'UNSUPPORTED_VERSION',
      `artifact format version ${version} is not supported (expected ${ARTIFACT_VERSION})`,
    )
  }
  const total = view.getBigUint64(16, true)
  if (total > BigInt(n))
    throw new AnnError('TRUNCATED', `artifact declares ${total} bytes but only ${n} are present`)
  if (total < BigInt(n)) throw new AnnError('CORRUPT', `artifact declares ${total} bytes but ${n} were given`)
  const stored = view.getUint32(n - TRAILER, true)
  const actual = crc32(bytes.subarray(0, n - TRAILER))
  if (stored !== actual)
    throw new AnnError('CHECKSUM_MISMATCH', 'artifact checksum does not match its contents')

  // The checksum holds, so what follows only fails for a well-formed but inconsistent file.
  if (view.getUint32(12, true) !== 0) throw new AnnError('CORRUPT', 'unknown artifact flags')
  const jsonLength = view.getUint32(24, true)
  const count = view.getUint32(28, true)
  // Bounds the pairwise overlap check below (quadratic in the count).
  if (count > MAX_SECTIONS)
    throw new AnnError('CORRUPT', `artifact declares ${count} sections, at most ${MAX_SECTIONS} are allowed`)
  const tableStart = align(FIXED_HEADER + jsonLength, 8)
  const dataStart = tableStart + count * ENTRY_BYTES
  if (dataStart > n - TRAILER) throw new AnnError('CORRUPT', 'artifact header overruns the file')
  let header: unknown
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(
        bytes.subarray(FIXED_HEADER, FIXED_HEADER + jsonLength),
      ),
    )
  } catch (cause) {
    throw new AnnError('CORRUPT', 'artifact JSON header is not valid', { cause })
  }
  if (
    typeof header !== 'object' ||
    header === null ||
    typeof (header as { kind?: unknown }).kind !== 'string' ||
    typeof (header as { params?: unknown }).params !== 'object' ||
    (header as { params?: unknown }).params === null ||
    Array.isArray((header as { params?: unknown }).params)
  ) {
    throw new AnnError('CORRUPT', 'artifact JSON header lacks kind or params')
  }
  const { kind, params } = header as { kind: string; params: Record<string, unknown> }

  const sections = new Map<string, ArtifactSection>()
  const ranges: [number, number][] = []
  const decoder = new TextDecoder('utf-8', { fatal: true })
  for (let i = 0; i < count; i++) {
    const e = tableStart + i * ENTRY_BYTES
    const rawName = bytes.subarray(e, e + NAME_BYTES)
    const nul = rawName.indexOf(0)
    const nameLength = nul < 0 ? NAME_BYTES : nul
    for (let j = nameLength; j < NAME_BYTES; j++) {
      if (rawName[j] !== 0) throw new AnnError('CORRUPT', `section ${i} name is not NUL padded`)
    }
    let name: string
    try {
      name = decoder.decode(rawName.subarray(0, nameLength))
    } catch (cause) {
      throw new AnnError('CORRUPT', `section ${i} name is not UTF-8`, { cause })
    }
    if (name.length === 0 || sections.has(name))
      throw new AnnError('CORRUPT', `section ${i} name '${name}' is empty or repeated`)
    const dtype = DTYPE_BY_CODE.get(view.getUint32(e + NAME_BYTES, true))
    if (!dtype) throw new AnnError('CORRUPT', `section '${name}' has an unknown element type`)
    if (view.getUint32(e + NAME_BYTES + 4, true) !== 0)
      throw new AnnError('CORRUPT', `section '${name}' has reserved bits set`)
    const offset = view.getBigUint64(e + NAME_BYTES + 8, true)
    const length = view.getBigUint64(e + NAME_BYTES + 16, true)
    const info = DTYPES[dtype]
    const end = offset + length * BigInt(info.bytes)
    if (offset < BigInt(dataStart) || end > BigInt(n - TRAILER) || offset % BigInt(SECTION_ALIGN) !== 0n) {
      throw new AnnError('CORRUPT', `section '${name}' lies outside the data area or is misaligned`)
    }
    const start = Number(offset)
    const byteLength = Number(length) * info.bytes
    for (const [s, t] of ranges) {
      if (start < t && s < start + byteLength)
        throw new AnnError('CORRUPT', `section '${name}' overlaps another section`)
    }
    ranges.push([start, start + byteLength])
    sections.set(name, { name, dtype, data: makeView(bytes, start, Number(length), dtype) })
  }
  return { version, kind, params, sections, byteLength: n }
}

function makeView(bytes: Uint8Array, start: number, length: number, dtype: SectionDtype): SectionArray {
  const info = DTYPES[dtype]
  const absolute = bytes.byteOffset + start
  if (LITTLE_ENDIAN && absolute % info.bytes === 0)
    return info.make(bytes.buffer as ArrayBuffer, absolute, length)
  // Misaligned input (or a big-endian host): copy the section into its own buffer.
  let copy: Uint8Array<ArrayBuffer> = new Uint8Array(bytes.subarray(start, start + length * info.bytes))
  if (!LITTLE_ENDIAN && info.bytes > 1) copy = swapBytes(copy, info.bytes)
  return info.make(copy.buffer, 0, length)
}

function swapBytes(bytes: Uint8Array, width: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length)
  for (let i = 0; i < bytes.length; i += width) {
    for (let j = 0; j < width; j++) out[i + j] = bytes[i + width - 1 - j]!
  }
  return out
}

/**
 * Typed accessors for index loaders: each returns a section of the expected type and
 * (optionally) exact length, or throws `CORRUPT`.
 */
export function requireSection<T extends SectionDtype>(
  artifact: Artifact,
  name: string,
  dtype: T,
  length?: number,
): SectionArrayOf<T> {
  const section = artifact.sections.get(name)
  if (!section) throw new AnnError('CORRUPT', `artifact of kind '${artifact.kind}' lacks section '${name}'`)
  if (section.dtype !== dtype) {
    throw new AnnError('CORRUPT', `section '${name}' holds ${section.dtype}, expected ${dtype}`)
  }
  if (length !== undefined && section.data.length !== length) {
    throw new AnnError(
      'CORRUPT',
      `section '${name}' holds ${section.data.length} elements, expected ${length}`,
    )
  }
  return section.data as SectionArrayOf<T>
}

/** The typed array class for a dtype. */
export type SectionArrayOf<T extends SectionDtype> = {
  f32: Float32Array
  f64: Float64Array
  i32: Int32Array
  u32: Uint32Array
  i16: Int16Array
  u16: Uint16Array
  i8: Int8Array
  u8: Uint8Array
}[T]
