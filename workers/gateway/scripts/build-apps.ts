// Node-only: builds a microfrontend (apps/<app>) with Astro unless the output already holds a
// build of the same inputs (a content hash of its sources, the packages it reads and the
// lockfile, stamped next to the output). Used by `npm start` and by the tests.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

/** The frontends and the environment variables that move their output and cache folders. */
const APPS = {
  leaderboard: {
    out: 'FRUGAL_SITE_OUT',
    cache: 'FRUGAL_SITE_CACHE',
    reads: ['packages', 'workers', 'benchmarks/results'],
  },
  playground: {
    out: 'FRUGAL_PLAYGROUND_OUT',
    cache: 'FRUGAL_PLAYGROUND_CACHE',
    reads: ['packages/ann/src', 'packages/retrieval/src'],
  },
} as const

export type AppName = keyof typeof APPS

/** Options of {@link buildApp}. */
export interface BuildOptions {
  /** Output folder; default `apps/<app>/dist` (what its wrangler.jsonc serves). */
  outDir?: string
  /** Extra build environment (e.g. FRUGAL_RESULTS_DIR); part of the hash. */
  env?: Record<string, string>
  /** Called with every line Astro prints. */
  onLine?: (line: string) => void
}

function hashInto(hash: ReturnType<typeof createHash>, path: string): void {
  if (!existsSync(path)) return
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) {
      if (entry === 'node_modules' || entry === 'dist' || entry === 'test-artifacts' || entry.startsWith('.'))
        continue
      hashInto(hash, join(path, entry))
    }
  } else if (!path.endsWith('.test.ts')) {
    hash.update(path.slice(repo.length)).update(readFileSync(path))
  }
}

/** The content hash of everything a build of `app` depends on. */
export function inputHash(app: AppName, env: Record<string, string> = {}): string {
  const hash = createHash('sha256').update(JSON.stringify(env))
  for (const input of [join('apps', app), 'pnpm-lock.yaml', ...APPS[app].reads])
    hashInto(hash, join(repo, input))
  for (const value of Object.values(env)) if (value.startsWith('/')) hashInto(hash, value)
  return hash.digest('hex').slice(0, 16)
}

/**
 * Builds `apps/<app>` with Astro (on this Node) into `outDir`, or does nothing when the stamp
 * says the folder already holds a build of the same inputs. Resolves with the folder.
 * @example
 * ```ts
 * const dir = await buildApp('playground')
 * ```
 */
export async function buildApp(app: AppName, options: BuildOptions = {}): Promise<string> {
  const dir = join(repo, 'apps', app)
  const outDir = options.outDir ?? join(dir, 'dist')
  const env = options.env ?? {}
  // Beside the output, in a git-ignored .tmp/ (inside it, it would be served as an asset).
  const stamp = join(dirname(outDir), '.tmp', `${basename(outDir)}.build-hash`)
  const key = inputHash(app, env)
  if (existsSync(join(outDir, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) {
    return outDir
  }
  rmSync(stamp, { force: true })
  mkdirSync(dirname(stamp), { recursive: true })
  const output: string[] = []
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [join(dir, 'node_modules', 'astro', 'bin', 'astro.mjs'), 'build'], {
      cwd: dir,
      env: { ...process.env, ...env, ASTRO_TELEMETRY_DISABLED: '1', [APPS[app].out]: outDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) {
          if (!line) continue
          output.push(line)
          options.onLine?.(line)
        }
      })
    }
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)))
  })
  if (code !== 0)
    throw new Error(`astro build of apps/${app} failed (exit ${code}):\n${output.slice(-40).join('\n')}`)
  writeFileSync(stamp, key)
  return outDir
}
