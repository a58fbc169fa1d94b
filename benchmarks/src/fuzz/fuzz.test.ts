import { beforeAll, describe, expect, it } from 'vitest'
import { runCases } from './run.ts'
import { buildSeeds, modelTargets, type Target, targets } from './targets.ts'

/**
 * The quick mode of the fuzzer (the long one is `pnpm bench:fuzz`): fixed seeds and a fixed
 * number of cases, so a run is reproducible, and about a minute on a busy 2-core machine.
 * Every parser that takes outside bytes must refuse a mutated input with a typed error or
 * load it and work; nothing may throw an untyped error, hang, crash, or load and then fail.
 */
const SEED = 20_261_206
const CASES_PER_TARGET = 500

let all: Target[]

beforeAll(async () => {
  all = [...targets(await buildSeeds(120)), ...modelTargets()]
}, 120_000)

describe('fuzzing every parser of outside bytes (quick mode)', () => {
  it('refuses or serves every mutated artifact: no untyped error, hang, crash or broken search', async () => {
    const tally = await runCases(all, SEED, 0, CASES_PER_TARGET * all.length, { hangMs: 5_000 })
    expect(tally.findings).toEqual([])
    expect(tally.outcomes.untyped + tally.outcomes.hang + tally.outcomes.crash + tally.outcomes.broken).toBe(
      0,
    )
    // The mutations reach both sides of every parser: some inputs are refused, some still work.
    for (const t of all) {
      const counts = tally.byTarget[t.name]!
      expect(counts.refused, `${t.name} refused`).toBeGreaterThan(0)
    }
    expect(tally.outcomes.works).toBeGreaterThan(0)
  }, 300_000)

  it('reproduces a case from its seed and index', async () => {
    const a = await runCases(all, SEED, 37, 20, { hangMs: 5_000 })
    const b = await runCases(all, SEED, 37, 20, { hangMs: 5_000 })
    expect(b.byTarget).toEqual(a.byTarget)
  }, 60_000)
})
