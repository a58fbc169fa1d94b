import type { APIRoute, GetStaticPaths } from 'astro'
import type { ResultEntry } from '../../../lib/boards.ts'
import { allResults } from '../../../lib/site-data.ts'

export const getStaticPaths = (async () => {
  const results = await allResults()
  return results.map((entry) => ({ params: { id: entry.id }, props: { entry } }))
}) satisfies GetStaticPaths

/** One result file as the harness wrote it (after validation). */
export const GET: APIRoute = ({ props }) => {
  const { entry } = props as { entry: ResultEntry }
  return new Response(`${JSON.stringify(entry.data, null, 2)}\n`, {
    headers: { 'content-type': 'application/json; charset=utf-8' },
  })
}
