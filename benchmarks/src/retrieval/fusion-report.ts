/** One collection's row of the hybrid-versus-better-side table. */
export interface FusionRow {
  collection: string
  queries: number
  bm25: number
  dense: number
  rrf: number
  calibrated: number
  /** The calibrated fusion, `method dense/lexical`. */
  fusion: string
  better: 'bm25' | 'dense'
  /** Calibrated hybrid minus the better side. */
  delta: { mean: number; se: number }
  /** Equal-weight RRF minus the better side. */
  rrfDelta: { mean: number; se: number }
}

/** Mean and standard error of the per-query differences `a[i] - b[i]`. */
export function pairedDelta(a: readonly number[], b: readonly number[]): { mean: number; se: number } {
  if (a.length !== b.length) throw new Error(`paired lists differ in length: ${a.length} and ${b.length}`)
  const n = a.length
  if (n === 0) return { mean: 0, se: 0 }
  const d = a.map((x, i) => x - b[i]!)
  const mean = d.reduce((s, x) => s + x, 0) / n
  const variance = n > 1 ? d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0
  return { mean, se: Math.sqrt(variance / n) }
}

/** The table lines: one row per collection, `ok` where calibrated hybrid is within 0.01 of the better side. */
export function fusionTable(rows: readonly FusionRow[]): string[] {
  const fmt = (d: { mean: number; se: number }) =>
    `${d.mean >= 0 ? '+' : ''}${d.mean.toFixed(4)} ± ${d.se.toFixed(4)}`
  const lines = [
    'collection                   queries  bm25    dense   rrf     calibrated (fusion)          better  Δ calibrated        Δ rrf               within 0.01',
  ]
  for (const r of rows) {
    lines.push(
      `${r.collection.padEnd(28)} ${String(r.queries).padStart(7)}  ${r.bm25.toFixed(4)}  ${r.dense.toFixed(4)}  ${r.rrf.toFixed(4)}  ` +
        `${r.calibrated.toFixed(4)} (${r.fusion})`.padEnd(29) +
        `${r.better.padEnd(6)}  ${fmt(r.delta).padEnd(18)}  ${fmt(r.rrfDelta).padEnd(18)}  ${r.delta.mean >= -0.01 ? 'yes' : 'NO'}`,
    )
  }
  return lines
}
