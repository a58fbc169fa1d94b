import { type Finding, OUTCOMES, type Outcome, runCase, type Target } from './targets.ts'

/** Counts of one run, per outcome class and per target. */
export interface FuzzTally {
  cases: number
  outcomes: Record<Outcome, number>
  byTarget: Record<string, Record<Outcome, number>>
  /** The first defects found (bad classes only), to reproduce them. */
  findings: Finding[]
}

export function emptyTally(): FuzzTally {
  return { cases: 0, outcomes: zero(), byTarget: {}, findings: [] }
}

function zero(): Record<Outcome, number> {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>
}

/** Adds one outcome to the tally. */
export function record(
  tally: FuzzTally,
  result: { target: string; mutation: string; outcome: Outcome; detail?: string },
  caseId: string,
): void {
  tally.cases++
  tally.outcomes[result.outcome]++
  const t = tally.byTarget[result.target] ?? zero()
  tally.byTarget[result.target] = t
  t[result.outcome]++
  if (result.outcome !== 'refused' && result.outcome !== 'works' && tally.findings.length < 50) {
    tally.findings.push({
      target: result.target,
      mutation: `${result.mutation} (case ${caseId})`,
      outcome: result.outcome,
      detail: result.detail ?? '',
    })
  }
}

/** Runs cases `from`, `from + 1`, ... in-process until `count` ran or `deadline` (ms, performance.now) passed. */
export async function runCases(
  all: Target[],
  seed: number,
  from: number,
  count: number,
  options: { hangMs: number; deadline?: number; tally?: FuzzTally },
): Promise<FuzzTally> {
  const tally = options.tally ?? emptyTally()
  for (let i = from; i < from + count; i++) {
    if (options.deadline !== undefined && performance.now() > options.deadline) break
    record(tally, await runCase(all, seed, i, options.hangMs), `${seed}:${i}`)
  }
  return tally
}
