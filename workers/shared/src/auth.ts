import type { MiddlewareHandler } from 'hono'
import { ApiError } from './errors.ts'

async function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
}

/** Same length by construction (SHA-256), so the comparison takes the same time for any token. */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([digest(a), digest(b)])
  const subtle = crypto.subtle as SubtleCrypto & {
    timingSafeEqual?: (a: ArrayBuffer, b: ArrayBuffer) => boolean
  }
  if (subtle.timingSafeEqual) return subtle.timingSafeEqual(x, y)
  const u = new Uint8Array(x)
  const v = new Uint8Array(y)
  let diff = 0
  for (let i = 0; i < u.length; i++) diff |= u[i]! ^ v[i]!
  return diff === 0
}

/**
 * Requires `Authorization: Bearer <UPLOAD_TOKEN>`: 401 without credentials, 403 with wrong ones
 * or when the worker has no token configured (uploads are then disabled). `realm` names the API
 * in `WWW-Authenticate`.
 */
export function requireUploadToken<E extends { Bindings: { UPLOAD_TOKEN?: string | undefined } }>(
  realm: string,
): MiddlewareHandler<E> {
  return async (c, next) => {
    const header = c.req.header('authorization')
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    if (!match) {
      c.header('WWW-Authenticate', `Bearer realm="${realm}"`)
      throw new ApiError(401, 'UNAUTHORIZED', 'uploads need an "Authorization: Bearer <token>" header', {
        field: 'authorization',
      })
    }
    const secret = c.env.UPLOAD_TOKEN
    if (!secret) {
      throw new ApiError(403, 'FORBIDDEN', 'uploads are disabled: the worker has no UPLOAD_TOKEN secret', {
        field: 'authorization',
      })
    }
    if (!(await sameSecret(match[1]!, secret))) {
      throw new ApiError(403, 'FORBIDDEN', 'the bearer token is not valid for uploads', {
        field: 'authorization',
      })
    }
    await next()
  }
}
