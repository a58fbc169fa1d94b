import { describe, expect, it } from 'vitest'
import { crc32 } from './crc32.ts'
import { AnnError } from './errors.ts'
import { ArtifactWriter, readArtifact, requireSection } from './format.ts'

function sample(): Uint8Array {
  return new ArtifactWriter('test', { dim: 3, metric: 'l2', nested: { a: [1, 2] } })
    .addSection('vectors', new Float32Array([1.5, -2, 3, 4, 5, 6]))
    .addSection('ids', new Int32Array([7, -8]))
    .addSection('codes', new Uint8Array([1, 2, 3]))
    .addSection('words', new Uint32Array([0xffffffff]))
    .addSection('empty', new Float64Array(0))
    .finish()
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    if (e instanceof AnnError) return e.code
    throw e
  }
  return undefined
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array(0))).toBe(0)
    const bytes = new TextEncoder().encode('The quick brown fox jumps over the lazy dog')
    expect(crc32(bytes)).toBe(0x414fa339)
    expect(crc32(bytes.subarray(10), crc32(bytes.subarray(0, 10)))).toBe(0x414fa339)
  })
})

describe('artifact format', () => {
  it('round-trips kind, params and typed sections as aligned zero-copy views', () => {
    const bytes = sample()
    const a = readArtifact(bytes)
    expect(a.kind).toBe('test')
    expect(a.version).toBe(1)
    expect(a.params).toEqual({ dim: 3, metric: 'l2', nested: { a: [1, 2] } })
    const v = requireSection(a, 'vectors', 'f32', 6)
    expect(Array.from(v)).toEqual([1.5, -2, 3, 4, 5, 6])
    expect(v.buffer).toBe(bytes.buffer)
    expect(Array.from(requireSection(a, 'ids', 'i32'))).toEqual([7, -8])
    expect(Array.from(requireSection(a, 'codes', 'u8'))).toEqual([1, 2, 3])
    expect(Array.from(requireSection(a, 'words', 'u32'))).toEqual([0xffffffff])
    expect(requireSection(a, 'empty', 'f64').length).toBe(0)
    expect(codeOf(() => requireSection(a, 'ids', 'f32'))).toBe('CORRUPT')
    expect(codeOf(() => requireSection(a, 'vectors', 'f32', 5))).toBe('CORRUPT')
    expect(codeOf(() => requireSection(a, 'missing', 'f32'))).toBe('CORRUPT')
  })

  it('reads from an ArrayBuffer and copies sections of a misaligned input', () => {
    const bytes = sample()
    expect(readArtifact(bytes.slice().buffer).kind).toBe('test')
    const shifted = new Uint8Array(bytes.length + 1)
    shifted.set(bytes, 1)
    const a = readArtifact(shifted.subarray(1))
    expect(Array.from(requireSection(a, 'vectors', 'f32'))).toEqual([1.5, -2, 3, 4, 5, 6])
  })

  it('refuses every single flipped byte', () => {
    const bytes = sample()
    for (let i = 0; i < bytes.length; i++) {
      const copy = bytes.slice()
      copy[i] = copy[i]! ^ 0x5a
      const code = codeOf(() => readArtifact(copy))
      expect(code, `byte ${i}`).toMatch(
        /^(BAD_MAGIC|UNSUPPORTED_VERSION|TRUNCATED|CORRUPT|CHECKSUM_MISMATCH)$/,
      )
    }
  })

  it('refuses every truncation and trailing garbage', () => {
    const bytes = sample()
    for (let n = 0; n < bytes.length; n++) {
      expect(
        codeOf(() => readArtifact(bytes.subarray(0, n))),
        `length ${n}`,
      ).toBe('TRUNCATED')
    }
    const longer = new Uint8Array(bytes.length + 4)
    longer.set(bytes)
    expect(codeOf(() => readArtifact(longer))).toBe('CORRUPT')
  })

  it('names the failure: magic, version, checksum', () => {
    const bytes = sample()
    const magic = bytes.slice()
    magic[0] = 0
    expect(codeOf(() => readArtifact(magic))).toBe('BAD_MAGIC')
    expect(codeOf(() => readArtifact(new TextEncoder().encode('{"not":"an index"}')))).toBe('BAD_MAGIC')
    const version = bytes.slice()
    version[8] = 2
    expect(codeOf(() => readArtifact(version))).toBe('UNSUPPORTED_VERSION')
    const body = bytes.slice()
    body[body.length - 20] = body[body.length - 20]! ^ 1
    expect(codeOf(() => readArtifact(body))).toBe('CHECKSUM_MISMATCH')
  })

  it('refuses a well-checksummed but inconsistent section table', () => {
    const bytes = sample()
    const a = readArtifact(bytes)
    const first = [...a.sections.values()][0]!
    const tableStart = first.data.byteOffset - bytes.byteOffset // sections follow the table
    expect(tableStart).toBeGreaterThan(0)
    // Point the first section's offset beyond the file and re-seal the checksum.
    const copy = bytes.slice()
    const view = new DataView(copy.buffer)
    const json = view.getUint32(24, true)
    const entry = Math.ceil((32 + json) / 8) * 8
    view.setBigUint64(entry + 40, BigInt(copy.length * 2), true)
    view.setUint32(copy.length - 4, crc32(copy.subarray(0, copy.length - 4)), true)
    expect(codeOf(() => readArtifact(copy))).toBe('CORRUPT')
  })

  it('refuses a well-checksummed artifact with more than 4096 sections', () => {
    // Written by hand: the writer itself refuses that many. Empty sections, all at one offset.
    const craft = (count: number) => {
      const json = new TextEncoder().encode(JSON.stringify({ kind: 'test', params: {} }))
      const tableStart = Math.ceil((32 + json.length) / 8) * 8
      const dataStart = Math.ceil((tableStart + count * 56) / 16) * 16
      const total = dataStart + 4
      const out = new Uint8Array(total)
      const view = new DataView(out.buffer)
      out.set([0x46, 0x52, 0x47, 0x4c, 0x41, 0x4e, 0x4e, 0x1a])
      view.setUint32(8, 1, true)
      view.setBigUint64(16, BigInt(total), true)
      view.setUint32(24, json.length, true)
      view.setUint32(28, count, true)
      out.set(json, 32)
      for (let i = 0; i < count; i++) {
        const e = tableStart + i * 56
        out.set(new TextEncoder().encode(`s${i}`), e)
        view.setUint32(e + 32, 8, true) // u8
        view.setBigUint64(e + 40, BigInt(dataStart), true)
      }
      view.setUint32(total - 4, crc32(out.subarray(0, total - 4)), true)
      return out
    }
    expect(readArtifact(craft(4096)).sections.size).toBe(4096)
    expect(codeOf(() => readArtifact(craft(4097)))).toBe('CORRUPT')
    const w = new ArtifactWriter('test')
    for (let i = 0; i < 4096; i++) w.addSection(`s${i}`, new Uint8Array(0))
    expect(codeOf(() => w.addSection('one-more', new Uint8Array(0)))).toBe('INVALID_ARGUMENT')
  })

  it('refuses bad section names and unsupported arrays at write time', () => {
    const w = new ArtifactWriter('x')
    expect(codeOf(() => w.addSection('', new Uint8Array(1)))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => w.addSection('a'.repeat(33), new Uint8Array(1)))).toBe('INVALID_ARGUMENT')
    w.addSection('a', new Uint8Array(1))
    expect(codeOf(() => w.addSection('a', new Uint8Array(1)))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => w.addSection('b', [1, 2] as unknown as Uint8Array))).toBe('INVALID_ARGUMENT')
  })
})
