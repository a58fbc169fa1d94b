import { createRoute, z } from '@hono/zod-openapi'
import { IndexName } from './schemas.ts'

/** Artifact file names as the manifest lists them (no folders). */
export const FileName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a file name of the set, e.g. manifest.json')
  .openapi({ param: { name: 'file', in: 'path' }, example: 'manifest.json' })

/**
 * `GET /v1/indexes/{name}/files/{file}`: one artifact of the served set, byte for byte, so a
 * client can load the same set itself (e.g. `loadIndexSet` in a browser) and verify it against
 * the manifest's SHA-256. Revalidated with the SHA-256 as ETag.
 */
export const fileRoute = createRoute({
  method: 'get',
  path: '/v1/indexes/{name}/files/{file}',
  tags: ['indexes'],
  summary: 'Download one artifact of the served index set (to search it client-side)',
  request: { params: z.object({ name: IndexName, file: FileName }) },
  responses: {
    200: {
      description: 'The file; `ETag` is its SHA-256, `X-Index-Version` the upload it belongs to',
      content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    },
    304: { description: 'Not modified (If-None-Match matched)' },
  },
})

/** Content type of an artifact by its name. */
export function artifactType(file: string): string {
  return file.endsWith('.json') ? 'application/json' : 'application/octet-stream'
}
