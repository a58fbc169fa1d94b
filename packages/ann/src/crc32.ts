/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial 0xEDB88320), slicing-by-8. It detects every
 * error burst of up to 32 bits, so any corrupted run of up to four bytes is always caught.
 */
const TABLES = makeTables()

function makeTables(): Uint32Array {
  const t = new Uint32Array(8 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!
    for (let s = 1; s < 8; s++) {
      c = t[c & 0xff]! ^ (c >>> 8)
      t[s * 256 + n] = c >>> 0
    }
  }
  return t
}

/**
 * The CRC-32 of `bytes`, optionally continuing from a previous `crc` (pass the value a
 * previous call returned).
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t = TABLES
  let c = ~crc >>> 0
  const n = bytes.length
  let i = 0
  const end8 = n - (n % 8)
  for (; i < end8; i += 8) {
    const lo = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))
    c =
      t[7 * 256 + (lo & 0xff)]! ^
      t[6 * 256 + ((lo >>> 8) & 0xff)]! ^
      t[5 * 256 + ((lo >>> 16) & 0xff)]! ^
      t[4 * 256 + (lo >>> 24)]! ^
      t[3 * 256 + bytes[i + 4]!]! ^
      t[2 * 256 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}
