import { getCollection } from 'astro:content'
import type { BenchResult } from '@frugal/bench'
import { type Board, boardsOf, type ResultEntry, type TaskInfo, tasksOf } from './boards.ts'

/** Every result file the build read (already validated by the collection's loader). */
export async function allResults(): Promise<ResultEntry[]> {
  const entries = await getCollection('results')
  // The loader admitted only files that passed parseResult of @frugal/bench.
  return entries
    .map((e) => ({ id: e.id, data: e.data as BenchResult }))
    .sort((a, b) => a.id.localeCompare(b.id))
}

let cached: Promise<{ results: ResultEntry[]; boards: Board[]; tasks: TaskInfo[] }> | undefined

/** All boards and the tasks to list, computed once per build. */
export function siteData(): Promise<{ results: ResultEntry[]; boards: Board[]; tasks: TaskInfo[] }> {
  cached ??= allResults().then((results) => ({ results, boards: boardsOf(results), tasks: tasksOf(results) }))
  return cached
}

/** `/leaderboard/<task>/<board>/` */
export function boardHref(board: Board): string {
  return `/leaderboard/${board.task.task}/${board.slug}/`
}

/** Download URL of a board's data, `json` or `csv`. */
export function dataHref(board: Board, ext: 'json' | 'csv'): string {
  return `/data/${board.task.task}/${board.slug}.${ext}`
}
