/**
 * A small, fast, seeded pseudo-random generator (SplitMix32 seeding + xoshiro128**), so that
 * every randomised step (k-means sampling and init, OPQ rotations, synthetic data) is
 * reproducible from one integer seed on every runtime.
 */
export class Rng {
  #a: number
  #b: number
  #c: number
  #d: number
  #spare: number | undefined

  constructor(seed = 1234) {
    if (!Number.isFinite(seed)) seed = 0
    let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.#a = next()
    this.#b = next()
    this.#c = next()
    this.#d = next()
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#a = 1
  }

  /** A uniform unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0
    const t = this.#b << 9
    this.#c ^= this.#a
    this.#d ^= this.#b
    this.#b ^= this.#c
    this.#a ^= this.#d
    this.#c ^= t
    this.#d = rotl(this.#d, 11)
    return result
  }

  /** A uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / 4294967296
  }

  /** A uniform integer in [0, n) for 1 <= n <= 2^32 (rejection sampling, no modulo bias). */
  int(n: number): number {
    if (n <= 1) return 0
    const limit = 4294967296 - (4294967296 % n)
    let x = this.nextUint32()
    while (x >= limit) x = this.nextUint32()
    return x % n
  }

  /** A standard normal sample (Marsaglia polar method). */
  gaussian(): number {
    if (this.#spare !== undefined) {
      const s = this.#spare
      this.#spare = undefined
      return s
    }
    let u = 0
    let v = 0
    let r = 0
    do {
      u = this.next() * 2 - 1
      v = this.next() * 2 - 1
      r = u * u + v * v
    } while (r >= 1 || r === 0)
    const f = Math.sqrt((-2 * Math.log(r)) / r)
    this.#spare = v * f
    return u * f
  }

  /** A uniformly random sample of `m` distinct integers from [0, n), in random order. */
  sample(n: number, m: number): Int32Array {
    const count = Math.min(m, n)
    const out = new Int32Array(count)
    if (count * 4 >= n) {
      // Partial Fisher-Yates over the full range.
      const perm = new Int32Array(n)
      for (let i = 0; i < n; i++) perm[i] = i
      for (let i = 0; i < count; i++) {
        const j = i + this.int(n - i)
        const t = perm[i]!
        perm[i] = perm[j]!
        perm[j] = t
        out[i] = perm[i]!
      }
      return out
    }
    // Sparse case: Floyd's algorithm keeps memory proportional to m.
    const chosen = new Set<number>()
    let w = 0
    for (let j = n - count; j < n; j++) {
      const t = this.int(j + 1)
      const pick = chosen.has(t) ? j : t
      chosen.add(pick)
      out[w++] = pick
    }
    for (let i = count - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = out[i]!
      out[i] = out[j]!
      out[j] = t
    }
    return out
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
