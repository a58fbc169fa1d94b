import type { Board, ResultEntry } from './boards.ts'
import { hardwareLabel, methodLabel } from './boards.ts'

/** Quotes a CSV field when it needs it (RFC 4180). */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === undefined || value === null) return ''
  const s = String(value)
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/** The flat columns of a board's CSV, each header carrying its unit. */
export function boardCsv(board: Board): string {
  const fixed: Array<[string, (e: ResultEntry) => string | number | boolean | null | undefined]> = [
    ['id', (e) => e.id],
    ['task', (e) => e.data.task],
    ['dataset', () => board.datasetLabel],
    ['scenario', () => board.scenarioKey],
    ['method', (e) => e.data.method.name],
    ['parameters', (e) => methodLabel(e.data).slice(e.data.method.name.length).trim()],
  ]
  const metrics = board.metrics.map(
    (m) =>
      [`${m.key} (${m.unit})`, (e: ResultEntry) => m.read(e.data)] as [
        string,
        (e: ResultEntry) => number | undefined,
      ],
  )
  const tail: Array<[string, (e: ResultEntry) => string | number | boolean | null | undefined]> = [
    ['energy_method', (e) => e.data.metrics.energy?.energy_method],
    ['hardware', (e) => hardwareLabel(e.data)],
    ['os', (e) => e.data.provenance.machine.os],
    ['virtualised', (e) => e.data.provenance.machine.virtualised],
    ['node_version', (e) => e.data.provenance.runtime.node_version],
    ['backend', (e) => e.data.provenance.runtime.backend],
    ['git_commit', (e) => e.data.provenance.git.commit],
    ['date', (e) => e.data.provenance.date],
    ['command', (e) => e.data.provenance.command],
  ]
  const columns = [...fixed, ...metrics, ...tail]
  const lines = [columns.map(([h]) => csvField(h)).join(',')]
  for (const e of board.entries) lines.push(columns.map(([, read]) => csvField(read(e))).join(','))
  return `${lines.join('\r\n')}\r\n`
}

/** The JSON download of a board: what it ranks, then the validated result files unchanged. */
export function boardJson(board: Board): string {
  return `${JSON.stringify(
    {
      task: board.task.task,
      dataset: board.datasetLabel,
      scenario: board.scenarioKey,
      scenario_label: board.scenarioLabel,
      ranked_by: { metric: board.y.key, unit: board.y.unit, direction: board.y.direction },
      results: board.entries.map((e) => ({ id: e.id, ...e.data })),
      failed: board.failed.map((e) => ({ id: e.id, ...e.data })),
    },
    null,
    2,
  )}\n`
}
