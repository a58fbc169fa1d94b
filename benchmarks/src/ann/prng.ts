/**
 * The seeded generator behind the synthetic data set (sfc32 seeded by SplitMix32, normals by
 * Box-Muller). It lives here, not in @frugal/ann, so that the benchmark's data stays
 * bit-identical for a given seed whatever the library's own generator does.
 */
export class DataRng {
  #a: number
  #b: number
  #c: number
  #d: number
  #spare = Number.NaN

  constructor(seed: number) {
    let s = (Math.trunc(seed) ^ 0x5bd1e995) >>> 0
    const split = () => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
      return (z ^ (z >>> 15)) >>> 0
    }
    this.#a = split()
    this.#b = split()
    this.#c = split()
    this.#d = split()
    for (let i = 0; i < 12; i++) this.uint32()
  }

  uint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0
    this.#d = (this.#d + 1) | 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) | 0
    this.#c = (this.#c << 21) | (this.#c >>> 11)
    this.#c = (this.#c + t) | 0
    return t >>> 0
  }

  /** Uniform in (0, 1): never exactly 0, so `log` below is safe. */
  uniform(): number {
    return (this.uint32() + 0.5) / 4294967296
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n)
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.#spare)) {
      const v = this.#spare
      this.#spare = Number.NaN
      return v
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()))
    const t = 2 * Math.PI * this.uniform()
    this.#spare = r * Math.sin(t)
    return r * Math.cos(t)
  }
}
