// Node-only: the whole edge locally — the retrieval API, the site and the playground (each its
// own Worker) and the gateway in front — each started with wrangler's `unstable_startWorker`
// on 127.0.0.1. The gateway reaches the others through its service bindings, resolved by a
// dev registry folder that all four share. Used by `npm start` and by the tests.
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { unstable_startWorker } from 'wrangler'

// No telemetry and no fetch of the `Request.cf` object from Cloudflare: the stack runs offline.
process.env['WRANGLER_SEND_METRICS'] ??= 'false'
process.env['CLOUDFLARE_CF_FETCH_ENABLED'] ??= 'false'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

/** Where each Worker's wrangler.jsonc lives. */
export const CONFIGS = {
  retrieval: join(repo, 'workers', 'retrieval', 'wrangler.jsonc'),
  site: join(repo, 'apps', 'leaderboard', 'wrangler.jsonc'),
  playground: join(repo, 'apps', 'playground', 'wrangler.jsonc'),
  gateway: join(repo, 'workers', 'gateway', 'wrangler.jsonc'),
} as const

export type StackWorker = keyof typeof CONFIGS

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Folder of local state (R2 of the retrieval API) and the dev registry. */
  stateDir: string
  /** The built site (apps/leaderboard `astro build` output); default: its wrangler.jsonc directory. */
  siteDir?: string
  /** The built playground; default: its wrangler.jsonc directory. */
  playgroundDir?: string
  /** Plain-text variables of the retrieval API (e.g. UPLOAD_TOKEN for a throw-away stack). */
  retrievalVars?: Record<string, string>
  /** Folder of the retrieval API's local R2; default `<stateDir>/state`. */
  retrievalPersist?: string
  /** Port of the gateway on 127.0.0.1; default any free one. The others always take a free one. */
  gatewayPort?: number
  /** wrangler's log level for every Worker; default `warn`. */
  logLevel?: 'debug' | 'info' | 'log' | 'warn' | 'error' | 'none'
  /** Start only these (the gateway answers 503 for services left out); default: all four. */
  only?: readonly StackWorker[]
}

/** A running stack. */
export interface Stack {
  /** Base URL (no trailing slash) of each started Worker. */
  urls: Partial<Record<StackWorker, string>>
  /** Stops every Worker. */
  dispose(): Promise<void>
}

/** A path on the gateway that each service answers with a success once it is reachable. */
const PROBES: Record<Exclude<StackWorker, 'gateway'>, string> = {
  retrieval: '/api/retrieval/healthz',
  site: '/',
  playground: '/playground/',
}

/**
 * Waits until the gateway reaches every started service: the dev registry announces a new
 * Worker to the others a moment after it is ready, and until then its binding answers 503.
 */
async function waitForBindings(gateway: string, services: StackWorker[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (const name of services) {
    const path = PROBES[name as Exclude<StackWorker, 'gateway'>]
    for (;;) {
      const res = await fetch(`${gateway}${path}`, { signal: AbortSignal.timeout(10_000) })
      await res.body?.cancel()
      if (res.ok) break
      if (Date.now() > deadline)
        throw new Error(`the gateway cannot reach the ${name} (${path}: ${res.status})`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

type Started = Awaited<ReturnType<typeof unstable_startWorker>>

/**
 * Starts the Workers of the stack together; resolves once every one answers.
 * @example
 * ```ts
 * const stack = await startStack({ stateDir: '.frugal/stack' })
 * await fetch(`${stack.urls.gateway}/playground/`)
 * await stack.dispose()
 * ```
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const registry = join(options.stateDir, 'registry')
  mkdirSync(registry, { recursive: true })
  const wanted = options.only ?? (Object.keys(CONFIGS) as StackWorker[])
  const started: Partial<Record<StackWorker, Started>> = {}
  const dispose = async () => {
    await Promise.allSettled(Object.values(started).map((w) => w.dispose()))
  }
  const dev = (persist: string | false, port = 0) => ({
    server: { hostname: '127.0.0.1', port },
    inspector: false as const,
    // Built once: no esbuild watcher or file watching (the sites are static builds anyway).
    watch: false,
    registry,
    persist,
    logLevel: options.logLevel ?? 'warn',
  })
  try {
    // The services first, so the gateway's bindings find them registered.
    const services = wanted.filter((w) => w !== 'gateway')
    await Promise.all(
      services.map(async (name) => {
        const assets =
          name === 'site' ? options.siteDir : name === 'playground' ? options.playgroundDir : undefined
        const worker = await unstable_startWorker({
          config: CONFIGS[name],
          // A build command in wrangler.jsonc runs in the caller's directory unless told otherwise.
          build: { custom: { workingDirectory: dirname(CONFIGS[name]) } },
          ...(assets ? { assets } : {}),
          ...(name === 'retrieval' && options.retrievalVars
            ? {
                bindings: Object.fromEntries(
                  Object.entries(options.retrievalVars).map(([k, value]) => [
                    k,
                    { type: 'plain_text' as const, value },
                  ]),
                ),
              }
            : {}),
          dev: dev(
            name === 'retrieval' ? (options.retrievalPersist ?? join(options.stateDir, 'state')) : false,
          ),
        })
        started[name] = worker
        await worker.ready
      }),
    )
    if (wanted.includes('gateway')) {
      const gateway = await unstable_startWorker({
        config: CONFIGS.gateway,
        dev: dev(false, options.gatewayPort ?? 0),
      })
      started.gateway = gateway
      await gateway.ready
    }
    const urls: Partial<Record<StackWorker, string>> = {}
    for (const [name, worker] of Object.entries(started) as [StackWorker, Started][]) {
      urls[name] = (await worker.url).origin
    }
    if (urls.gateway) await waitForBindings(urls.gateway, services)
    return { urls, dispose }
  } catch (err) {
    await dispose()
    throw err
  }
}
