/** Names of the service bindings the gateway forwards to (wrangler.jsonc `services`). */
export type ServiceName = 'SITE' | 'PLAYGROUND' | 'RETRIEVAL' | 'INFERENCE'

/** One entry of the routing table: a public path prefix served by one bound Worker. */
export interface Mount {
  /** Public path prefix without a trailing slash; `''` mounts at the root. */
  prefix: string
  binding: ServiceName
  /** `frontend`: HTML is rewritten and errors get the error page; `api`: JSON passes through. */
  kind: 'frontend' | 'api'
  /** What the error messages call this service. */
  label: string
  /**
   * For a root mount: the only top-level paths it answers (`/` itself is always included).
   * Everything else is the gateway's 404 and never reaches the service.
   */
  only?: readonly string[]
}

/**
 * The routing table, most specific first. The site is mounted at the root, so it needs no
 * rewriting, but only its own top-level paths are forwarded to it.
 */
export const ROUTES: readonly Mount[] = [
  { prefix: '/api/retrieval', binding: 'RETRIEVAL', kind: 'api', label: 'retrieval API' },
  { prefix: '/api/inference', binding: 'INFERENCE', kind: 'api', label: 'inference API' },
  { prefix: '/playground', binding: 'PLAYGROUND', kind: 'frontend', label: 'playground' },
  {
    prefix: '',
    binding: 'SITE',
    kind: 'frontend',
    label: 'site',
    // Starlight pages and their build output: /_astro (hashed assets), /pagefind (search index),
    // /data (results as JSON and CSV).
    only: ['/leaderboard', '/docs', '/methods', '/data', '/_astro', '/pagefind', '/favicon.svg'],
  },
]

/** Where a request goes: the mount and the path the service sees. */
export interface Match {
  mount: Mount
  /** The request path with the mount prefix removed (always starts with `/`). */
  path: string
}

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`)
}

/**
 * Finds the mount that serves `pathname` (already normalised by URL parsing), or `undefined`
 * for a path no service owns.
 * @example
 * matchRoute('/playground/_astro/a.js') // { mount: <playground>, path: '/_astro/a.js' }
 */
export function matchRoute(pathname: string, routes: readonly Mount[] = ROUTES): Match | undefined {
  for (const mount of routes) {
    if (mount.prefix === '') {
      if (pathname === '/' || (mount.only ?? []).some((p) => under(pathname, p))) {
        return { mount, path: pathname }
      }
      continue
    }
    if (under(pathname, mount.prefix)) {
      return { mount, path: pathname.slice(mount.prefix.length) || '/' }
    }
  }
  return undefined
}
