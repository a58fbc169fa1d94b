import type { APIRoute, GetStaticPaths } from 'astro'
import type { Board } from '../../../lib/boards.ts'
import { boardCsv, boardJson } from '../../../lib/export.ts'
import { siteData } from '../../../lib/site-data.ts'

export const getStaticPaths = (async () => {
  const { boards } = await siteData()
  return boards.flatMap((board) => [
    { params: { task: board.task.task, file: `${board.slug}.json` }, props: { board, ext: 'json' } },
    { params: { task: board.task.task, file: `${board.slug}.csv` }, props: { board, ext: 'csv' } },
  ])
}) satisfies GetStaticPaths

export const GET: APIRoute = ({ props }) => {
  const { board, ext } = props as { board: Board; ext: 'json' | 'csv' }
  return ext === 'json'
    ? new Response(boardJson(board), { headers: { 'content-type': 'application/json; charset=utf-8' } })
    : new Response(boardCsv(board), { headers: { 'content-type': 'text/csv; charset=utf-8' } })
}
