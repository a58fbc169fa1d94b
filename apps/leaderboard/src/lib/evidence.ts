import type { BenchResult } from '@frugal/bench'

/**
 * What proves that a method is implemented: complete result files of its benchmark that name
 * it by exact id (`method.id`), or — for the harness itself (Pentathlon) — any complete result.
 */
export type Evidence = { id: string } | 'any-result'

/** The complete results that are evidence of a method; a substring of a name never counts. */
export function evidenceOf<T extends { data: BenchResult }>(results: readonly T[], evidence: Evidence): T[] {
  return results.filter(
    (r) => r.data.status === 'complete' && (evidence === 'any-result' || r.data.method.id === evidence.id),
  )
}

/**
 * A method's status from evidence: `implemented` only when every file it names exists in the
 * checkout and at least one complete result of its benchmark names it; else what is lacking.
 */
export function implementationStatus(
  paths: readonly string[],
  present: (path: string) => boolean,
  evidenceCount: number,
): { implemented: boolean; missingPaths: string[]; hasEvidence: boolean } {
  const missingPaths = paths.filter((p) => !present(p))
  const hasEvidence = evidenceCount > 0
  return {
    implemented: paths.length > 0 && missingPaths.length === 0 && hasEvidence,
    missingPaths,
    hasEvidence,
  }
}
