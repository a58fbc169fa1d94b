/**
 * A small seeded generator (SplitMix32) so that input order and arrival schedules are the same on
 * every run with the same seed, in every runtime.
 */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    z = (z ^ (z >>> 16)) >>> 0
    return z / 4294967296
  }
}

/** Draws from the exponential distribution with rate `rate` (mean 1 / rate) by inversion. */
export function exponential(random: () => number, rate: number): number {
  // 1 - u lies in (0, 1], so the logarithm is finite.
  return -Math.log(1 - random()) / rate
}

/** Shuffles `values` in place (Fisher-Yates) and returns it. */
export function shuffle<T>(values: T[], random: () => number): T[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = values[i]!
    values[i] = values[j]!
    values[j] = t
  }
  return values
}

/**
 * Arrival times in milliseconds from the start of an open-loop Poisson process at `ratePerS`
 * requests per second: cumulative sums of exponential inter-arrival times.
 */
export function poissonArrivals(ratePerS: number, count: number, seed: number): Float64Array {
  const random = createRandom(seed)
  const arrivals = new Float64Array(count)
  let t = 0
  for (let i = 0; i < count; i++) {
    t += exponential(random, ratePerS) * 1000
    arrivals[i] = t
  }
  return arrivals
}
