import type { APIRoute } from 'astro'
import { allResults } from '../../lib/site-data.ts'

/** Every result file of the build, with its id. */
export const GET: APIRoute = async () => {
  const results = await allResults()
  return new Response(
    `${JSON.stringify(
      results.map((r) => ({ id: r.id, ...r.data })),
      null,
      2,
    )}\n`,
    {
      headers: { 'content-type': 'application/json; charset=utf-8' },
    },
  )
}
