/** A seeded source of uniform numbers in [0, 1) with helpers; identical in every runtime. */
export interface Random {
  /** A uniform number in [0, 1). */
  next(): number
  /** A uniform integer in [0, n). */
  int(n: number): number
  /** A uniform number in [lo, hi). */
  range(lo: number, hi: number): number
  /** A uniform element of a non-empty list. */
  pick<T>(items: readonly T[]): T
  /** An index drawn with probability proportional to `weights` (non-negative, not all zero). */
  weighted(weights: readonly number[]): number
  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[]
}

/** FNV-1a over the UTF-16 units of `text`, finished with a murmur3 mix: a stable 32-bit hash. */
export function hashString(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * A SplitMix32 generator. Streams are keyed by strings (`"v1/7/train/12/render"`) so that each
 * part of a sample draws from its own stream and a sample regenerates without its neighbours.
 */
export function createRandom(seed: number | string): Random {
  let state = (typeof seed === 'string' ? hashString(seed) : seed) >>> 0
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    z = (z ^ (z >>> 16)) >>> 0
    return z / 4294967296
  }
  const int = (n: number): number => Math.floor(next() * n)
  return {
    next,
    int,
    range: (lo, hi) => lo + next() * (hi - lo),
    pick: (items) => items[int(items.length)]!,
    weighted(weights) {
      let total = 0
      for (const w of weights) total += w
      let r = next() * total
      for (let i = 0; i < weights.length; i++) {
        r -= weights[i]!
        if (r < 0) return i
      }
      // Rounding can leave r at a hair above zero: the last index with weight wins.
      for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i
      return 0
    },
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = int(i + 1)
        const t = items[i]!
        items[i] = items[j]!
        items[j] = t
      }
      return items
    },
  }
}
