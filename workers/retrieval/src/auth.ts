import { requireUploadToken as bearer } from '@frugal/worker-shared'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from './env.ts'

/**
 * Requires `Authorization: Bearer <UPLOAD_TOKEN>`: 401 without credentials, 403 with wrong ones
 * or when the worker has no token configured (uploads are then disabled).
 */
export function requireUploadToken(): MiddlewareHandler<AppEnv> {
  return bearer<AppEnv>('frugal-retrieval')
}
