/**
 * Popcount Hamming kernels for 1-bit codes packed 32 per Uint32 word. JavaScript has no
 * popcount instruction, so the count is SWAR (SIMD within a register): the per-byte bit
 * counts of up to 31 XORed words are summed in one register (8 * 31 = 248 fits a byte)
 * and folded to a total once, instead of folding every word.
 */

/** Sums the four byte lanes of `acc` (each at most 255) without overflow. */
function foldBytes(acc: number): number {
  const h = (acc & 0x00ff00ff) + ((acc >>> 8) & 0x00ff00ff)
  return (h & 0xffff) + (h >>> 16)
}

/** Number of set bits of a 32-bit integer. */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  x = (x + (x >>> 4)) & 0x0f0f0f0f
  return Math.imul(x, 0x01010101) >>> 24
}

/** Hamming distance between code `a[ao..ao+words)` and code `b[bo..bo+words)`. */
export function hamming(a: Uint32Array, ao: number, b: Uint32Array, bo: number, words: number): number {
  let total = 0
  let acc = 0
  let inAcc = 0
  for (let w = 0; w < words; w++) {
    let x = a[ao + w]! ^ b[bo + w]!
    x -= (x >>> 1) & 0x55555555
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
    acc = (acc + ((x + (x >>> 4)) & 0x0f0f0f0f)) | 0
    if (++inAcc === 31) {
      total += foldBytes(acc)
      acc = 0
      inAcc = 0
    }
  }
  return total + foldBytes(acc)
}

/**
 * Hamming distances from `query[qo..qo+words)` to the `count` codes starting at code
 * number `start` of `codes` (`words` Uint32 each): `out[i] = popcount(query ^ code)`.
 */
export function hammingScan(
  codes: Uint32Array,
  start: number,
  count: number,
  words: number,
  query: Uint32Array,
  qo: number,
  out: Uint16Array | Int32Array,
): void {
  if (words <= 31) {
    let c = start * words
    for (let i = 0; i < count; i++) {
      let acc = 0
      for (let w = 0; w < words; w++) {
        let x = codes[c + w]! ^ query[qo + w]!
        x -= (x >>> 1) & 0x55555555
        x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
        acc = (acc + ((x + (x >>> 4)) & 0x0f0f0f0f)) | 0
      }
      const h = (acc & 0x00ff00ff) + ((acc >>> 8) & 0x00ff00ff)
      out[i] = (h & 0xffff) + (h >>> 16)
      c += words
    }
    return
  }
  for (let i = 0; i < count; i++) out[i] = hamming(codes, (start + i) * words, query, qo, words)
}

/** The reference loop: bit by bit. Tests compare the SWAR kernels against it. */
export function hammingReference(
  a: Uint32Array,
  ao: number,
  b: Uint32Array,
  bo: number,
  words: number,
): number {
  let d = 0
  for (let w = 0; w < words; w++) {
    const x = (a[ao + w]! ^ b[bo + w]!) >>> 0
    for (let bit = 0; bit < 32; bit++) d += (x >>> bit) & 1
  }
  return d
}
