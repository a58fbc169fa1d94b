import { ModelError } from './errors.ts'

/** The element types a safetensors file may declare that this runtime reads; all are widened to f32. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16'

/** One tensor of a safetensors file, widened to float32. */
export interface Tensor {
  /** Row-major shape. */
  readonly shape: readonly number[]
  /** The values, widened to f32 whatever the stored dtype. */
  readonly data: Float32Array
  /** The dtype it was stored in. */
  readonly dtype: SafetensorsDtype
}

/** The parsed content of a safetensors file. */
export interface Safetensors {
  readonly tensors: ReadonlyMap<string, Tensor>
  /** The free-form `__metadata__` string map (empty if absent). */
  readonly metadata: Readonly<Record<string, string>>
}

const ITEM_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 }
/** A header longer than this is refused before it is decoded (the format's reference reader uses 100 MB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024

function corrupt(message: string): ModelError {
  return new ModelError('CORRUPT', `safetensors: ${message}`)
}

/** IEEE half → f32 through a shared lookup of the 65,536 values. */
let halfTable: Float32Array | undefined
function halfToFloat(): Float32Array {
  if (halfTable) return halfTable
  const table = new Float32Array(65536)
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1
    const exp = (h >> 10) & 0x1f
    const frac = h & 0x3ff
    if (exp === 0) table[h] = sign * 2 ** -14 * (frac / 1024)
    else if (exp === 31) table[h] = frac ? Number.NaN : sign * Number.POSITIVE_INFINITY
    else table[h] = sign * 2 ** (exp - 15) * (1 + frac / 1024)
  }
  halfTable = table
  return table
}

function decode(dtype: SafetensorsDtype, bytes: Uint8Array, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Float32Array(count)
  if (dtype === 'F32') {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true)
  } else if (dtype === 'F16') {
    const table = halfToFloat()
    for (let i = 0; i < count; i++) out[i] = table[view.getUint16(i * 2, true)]!
  } else {
    // bf16 is the upper half of an f32.
    const wide = new Uint32Array(out.buffer)
    for (let i = 0; i < count; i++) wide[i] = view.getUint16(i * 2, true) << 16
  }
  return out
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Parse a safetensors file (8-byte little-endian header length, JSON header, raw little-endian data)
 * and widen every tensor to f32. Everything is checked before anything is returned: the header
 * length and JSON, each entry's dtype, shape and offsets, that the byte ranges tile the data region
 * exactly (no gap, overlap or trailing bytes), and that every value is finite. A bad file is refused
 * with a {@link ModelError} naming the tensor, never half-loaded.
 *
 * @example
 * const { tensors } = parseSafetensors(await (await fetch(url)).arrayBuffer())
 * tensors.get('transformer.norm.weight')?.data
 */
/**
 * Largest weight magnitude read: 2^16, just past the f16 maximum (65,504, which bf16 rounds to
 * 2^16). Trained weights stay far within it.
 */
export const MAX_WEIGHT = 2 ** 16

export function parseSafetensors(input: ArrayBuffer | Uint8Array): Safetensors {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input)
  if (bytes.byteLength < 8)
    throw corrupt(`file of ${bytes.byteLength} bytes is shorter than the 8-byte header length`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLen = view.getBigUint64(0, true)
  if (headerLen > BigInt(Math.min(MAX_HEADER_BYTES, bytes.byteLength - 8))) {
    throw corrupt(
      `header length ${headerLen} exceeds the file (${bytes.byteLength} bytes) or the 100 MB limit`,
    )
  }
  const start = 8 + Number(headerLen)
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, start)))
  } catch (cause) {
    throw new ModelError('CORRUPT', 'safetensors: the header is not valid UTF-8 JSON', { cause })
  }
  if (!isRecord(header)) throw corrupt('the header is not a JSON object')
  const dataLen = bytes.byteLength - start
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = []
  let metadata: Record<string, string> = {}
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isRecord(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
        throw corrupt('__metadata__ must map strings to strings')
      }
      metadata = raw as Record<string, string>
      continue
    }
    if (!isRecord(raw)) throw corrupt(`tensor "${name}": entry is not an object`)
    const { dtype, shape, data_offsets: offsets } = raw
    if (typeof dtype !== 'string') throw corrupt(`tensor "${name}": dtype missing`)
    if (!(dtype in ITEM_BYTES)) {
      throw new ModelError(
        'UNSUPPORTED_DTYPE',
        `safetensors: tensor "${name}" has dtype ${dtype}; F32, F16 and BF16 are read`,
      )
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw corrupt(`tensor "${name}": shape must be a list of non-negative integers`)
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1] ||
      offsets[1] > dataLen
    ) {
      throw corrupt(
        `tensor "${name}": data_offsets ${JSON.stringify(offsets)} outside the ${dataLen}-byte data region`,
      )
    }
    const count = (shape as number[]).reduce((a, b) => a * b, 1)
    const want = count * ITEM_BYTES[dtype as SafetensorsDtype]
    if (offsets[1] - offsets[0] !== want) {
      throw corrupt(
        `tensor "${name}": ${offsets[1] - offsets[0]} bytes for shape [${shape.join(',')}] of ${dtype} (expected ${want})`,
      )
    }
    entries.push({
      name,
      dtype: dtype as SafetensorsDtype,
      shape: shape as number[],
      begin: offsets[0],
      end: offsets[1],
    })
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin)
  let cursor = 0
  for (const e of sorted) {
    if (e.begin !== cursor) {
      throw corrupt(`tensor "${e.name}" starts at byte ${e.begin}, expected ${cursor} (a gap or an overlap)`)
    }
    cursor = e.end
  }
  if (cursor !== dataLen)
    throw corrupt(`${dataLen - cursor} bytes after the last tensor (truncated or padded file)`)
  const tensors = new Map<string, Tensor>()
  for (const e of entries) {
    const count = e.shape.reduce((a, b) => a * b, 1)
    const data = decode(e.dtype, bytes.subarray(start + e.begin, start + e.end), count)
    for (let i = 0; i < count; i++) {
      const v = data[i]!
      // False for NaN too. Beyond the f16 range no trained weight lives, and a product of such
      // values overflows float32 within a layer or two (NaN logits from a "valid" file).
      if (!(v <= MAX_WEIGHT && v >= -MAX_WEIGHT)) {
        throw new ModelError(
          'NOT_FINITE',
          `safetensors: tensor "${e.name}" holds ${v} at index ${i}, not a finite value within ±${MAX_WEIGHT}`,
        )
      }
    }
    tensors.set(e.name, { shape: e.shape, data, dtype: e.dtype })
  }
  return { tensors, metadata }
}

/**
 * Write tensors as a safetensors file (f32, or f16/bf16 by rounding), the inverse of
 * {@link parseSafetensors}. Used to save reduced models (pruned, merged) and in tests.
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
  dtype: SafetensorsDtype = 'F32',
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {}
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata
  let offset = 0
  const names = [...tensors.keys()]
  for (const name of names) {
    const t = tensors.get(name)!
    const n = t.data.length * ITEM_BYTES[dtype]
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + n] }
    offset += n
  }
  let json = JSON.stringify(header)
  while ((json.length + 8) % 8 !== 0) json += ' '
  const head = new TextEncoder().encode(json)
  const out = new Uint8Array(8 + head.length + offset)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(head.length), true)
  out.set(head, 8)
  let at = 8 + head.length
  const f32 = new Float32Array(1)
  const u32 = new Uint32Array(f32.buffer)
  for (const name of names) {
    const { data } = tensors.get(name)!
    for (let i = 0; i < data.length; i++) {
      if (dtype === 'F32') {
        view.setFloat32(at, data[i]!, true)
        at += 4
      } else if (dtype === 'BF16') {
        f32[0] = data[i]!
        const u = u32[0]!
        // Round to nearest even on the dropped 16 bits.
        view.setUint16(at, ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff, true)
        at += 2
      } else {
        view.setUint16(at, floatToHalf(data[i]!), true)
        at += 2
      }
    }
  }
  return out
}

function floatToHalf(v: number): number {
  const f32 = new Float32Array([v])
  const x = new Uint32Array(f32.buffer)[0]!
  const sign = (x >>> 16) & 0x8000
  const exp = ((x >>> 23) & 0xff) - 127 + 15
  let mant = x & 0x7fffff
  if (exp >= 31) return sign | 0x7c00
  if (exp <= 0) {
    if (exp < -10) return sign
    mant |= 0x800000
    const shift = 14 - exp
    const half = mant >> shift
    const rem = mant & ((1 << shift) - 1)
    const mid = 1 << (shift - 1)
    return sign | (half + (rem > mid || (rem === mid && half & 1) ? 1 : 0))
  }
  const half = (exp << 10) | (mant >> 13)
  const rem = mant & 0x1fff
  return sign | (half + (rem > 0x1000 || (rem === 0x1000 && half & 1) ? 1 : 0))
}
