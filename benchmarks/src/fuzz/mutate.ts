/**
 * Structure-aware mutators for the artifacts Frugal reads from outside: raw bytes (with and
 * without a repaired CRC), the `.frgl` container (its JSON parameters and its typed sections,
 * re-sealed) and JSON documents (manifest, lexical index, document store). Every mutator
 * draws from the given `Rng`, so a case is reproduced from its seed alone.
 */
import { crc32 } from 'node:zlib'
import { ArtifactWriter, type Rng, readArtifact, type SectionArray } from '@frugal/ann'

/** Values that sit on or past the bounds a parser must check. */
const EXTREME_NUMBERS = [
  0,
  -0,
  -1,
  1,
  2,
  255,
  256,
  65_535,
  65_536,
  65_537,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 32 + 1,
  2 ** 53,
  -(2 ** 31),
  1e-300,
  1e300,
  3.4e38,
  -3.4e38,
  1.5,
  Number.MAX_SAFE_INTEGER,
]
const FLOAT_POISON = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  3.4e38,
  -3.4e38,
  1e30,
  1e-45,
  -0,
]

const pick = <T>(rng: Rng, list: readonly T[]): T => list[rng.int(list.length)]!

/** Byte-level damage: bit flips, random bytes, a zeroed run, truncation, extension, a moved block. */
export function mutateBytes(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = bytes.slice()
  const n = out.length
  if (n === 0) return Uint8Array.of(rng.int(256))
  switch (rng.int(7)) {
    case 0: {
      for (let k = 1 + rng.int(4); k > 0; k--) out[rng.int(n)]! ^= 1 << rng.int(8)
      return out
    }
    case 1: {
      for (let k = 1 + rng.int(8); k > 0; k--) out[rng.int(n)] = rng.int(256)
      return out
    }
    case 2: {
      const at = rng.int(n)
      out.fill(rng.next() < 0.5 ? 0 : 0xff, at, Math.min(n, at + 1 + rng.int(64)))
      return out
    }
    case 3:
      return out.slice(0, rng.int(n))
    case 4: {
      const extra = new Uint8Array(1 + rng.int(64))
      for (let i = 0; i < extra.length; i++) extra[i] = rng.int(256)
      const grown = new Uint8Array(n + extra.length)
      grown.set(out)
      grown.set(extra, n)
      return grown
    }
    case 5: {
      // A 4- or 8-byte word set to an extreme value (lengths, counts and offsets live in such words).
      const at = rng.int(Math.max(1, n - 8))
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
      if (at + 8 <= n && rng.next() < 0.5)
        view.setBigUint64(at, BigInt(pick(rng, [0, 1, 2 ** 32, 2 ** 53 - 1])), true)
      else if (at + 4 <= n) view.setUint32(at, pick(rng, [0, 1, 0xffffffff, 0x7fffffff, 4096, 4097]), true)
      return out
    }
    default: {
      const from = rng.int(n)
      const to = rng.int(n)
      const len = Math.min(1 + rng.int(32), n - from, n - to)
      out.copyWithin(to, from, from + len)
      return out
    }
  }
}

/** Re-computes the trailing CRC-32 of a `.frgl` artifact after byte damage, so the damage reaches the parser. */
export function repairCrc(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 4) return bytes
  const out = bytes.slice()
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)) >>> 0, true)
  return out
}

/** A JSON value with one node changed: removed, retyped, set to an extreme, emptied, duplicated. */
export function mutateJsonValue(value: unknown, rng: Rng, depth = 0): unknown {
  const here = depth > 0 && rng.next() < 0.3
  if (!here && value !== null && typeof value === 'object') {
    if (Array.isArray(value)) {
      if (value.length === 0) return [pick(rng, [0, 'x', null, {}])]
      const copy = value.slice()
      const i = rng.int(copy.length)
      const roll = rng.next()
      if (roll < 0.1) copy.splice(i, 1)
      else if (roll < 0.2) copy.push(structuredClone(copy[i]))
      else copy[i] = mutateJsonValue(copy[i], rng, depth + 1)
      return copy
    }
    const keys = Object.keys(value)
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) }
    if (keys.length === 0 || rng.next() < 0.05) {
      copy[pick(rng, ['extra', '__proto__', 'constructor', '0'])] = pick(rng, [1, 'x', null])
      return copy
    }
    const key = pick(rng, keys)
    if (rng.next() < 0.12) delete copy[key]
    else copy[key] = mutateJsonValue(copy[key], rng, depth + 1)
    return copy
  }
  const roll = rng.int(9)
  if (roll === 0) return null
  if (roll === 1) return pick(rng, EXTREME_NUMBERS)
  if (roll === 2) return typeof value === 'number' ? -value : 0
  if (roll === 3)
    return typeof value === 'string' ? `${value}${'\u{1F600}'.repeat(rng.int(3))}` : String(value)
  if (roll === 4) return typeof value === 'string' ? '' : []
  if (roll === 5) return {}
  if (roll === 6) return typeof value === 'number' ? value + pick(rng, [1, -1, 0.5]) : true
  if (roll === 7) return typeof value === 'string' ? 'x'.repeat(1 + rng.int(300)) : [value, value]
  return typeof value === 'number' ? pick(rng, EXTREME_NUMBERS) * (rng.next() < 0.5 ? 1 : -1) : 1e308
}

/** JSON text with a structural edit (or, sometimes, a raw text edit that breaks the syntax). */
export function mutateJsonText(text: string, rng: Rng): string {
  if (rng.next() < 0.1) {
    const at = rng.int(text.length + 1)
    return (
      text.slice(0, at) +
      pick(rng, ['', '"', '{', ']', ',', '\\', '\u0000', 'null']) +
      text.slice(at + rng.int(3))
    )
  }
  return JSON.stringify(mutateJsonValue(JSON.parse(text), rng))
}

/**
 * A `.frgl` artifact re-sealed (valid CRC) with one structural change: a parameter edited, a
 * section's values poisoned or resized, a section dropped or re-typed.
 */
export function mutateArtifact(bytes: Uint8Array, rng: Rng): Uint8Array {
  const artifact = readArtifact(bytes)
  let params = artifact.params
  let kind = artifact.kind
  const sections = [...artifact.sections.values()].map((s) => ({
    name: s.name,
    data: s.data.slice() as SectionArray,
  }))
  const roll = rng.next()
  if (roll < 0.4) {
    params = mutateJsonValue(params, rng) as Record<string, unknown>
    if (params === null || typeof params !== 'object' || Array.isArray(params)) params = {}
  } else if (roll < 0.75 && sections.length > 0) {
    const s = pick(rng, sections)
    const d = s.data
    for (let k = 1 + rng.int(4); k > 0 && d.length > 0; k--) {
      const i = rng.int(d.length)
      if (d instanceof Float32Array || d instanceof Float64Array) d[i] = pick(rng, FLOAT_POISON)
      else d[i] = pick(rng, [-1, 0, 1, d[i]! + 1, d[i]! - 1, 0x7fffffff, 255, 65_535])
    }
  } else if (roll < 0.85 && sections.length > 0) {
    const i = rng.int(sections.length)
    const s = sections[i]!
    const len = Math.max(0, s.data.length + pick(rng, [-1, 1, -s.data.length, 16]))
    const Ctor = s.data.constructor as new (n: number) => SectionArray
    const resized = new Ctor(len)
    resized.set(s.data.subarray(0, Math.min(len, s.data.length)) as never)
    sections[i] = { name: s.name, data: resized }
  } else if (roll < 0.93 && sections.length > 0) {
    sections.splice(rng.int(sections.length), 1)
  } else if (roll < 0.97 && sections.length > 0) {
    const i = rng.int(sections.length)
    const s = sections[i]!
    sections[i] = {
      name: s.name,
      data: new Int32Array(s.data.buffer, s.data.byteOffset, s.data.byteLength >> 2),
    }
  } else {
    kind = pick(rng, ['flat', 'ivf', 'ivfpq', 'binary', 'lsa', 'graph'])
  }
  const w = new ArtifactWriter(kind, params)
  for (const s of sections) w.addSection(s.name, s.data)
  return w.finish()
}
