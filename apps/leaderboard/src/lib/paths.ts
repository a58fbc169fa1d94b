import { existsSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The monorepo root. Found from this file's location when it is loaded from source (the Astro config,
 * content loaders, tests); the config then publishes it in `FRUGAL_REPO_ROOT` for the prerendered
 * pages, whose bundled copy of this module lives elsewhere under the build output.
 */
export const REPO_ROOT =
  process.env['FRUGAL_REPO_ROOT'] ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')

/**
 * The folder of result files the site is built from: `FRUGAL_RESULTS_DIR` when set (absolute, or
 * relative to the current directory), else `benchmarks/results` of the repository.
 */
export function resultsDir(env: Record<string, string | undefined> = process.env): string {
  const configured = env['FRUGAL_RESULTS_DIR']
  if (configured) return isAbsolute(configured) ? configured : resolve(process.cwd(), configured)
  return join(REPO_ROOT, 'benchmarks', 'results')
}

/** True when `path` (relative to the repository root) exists in this checkout. */
export function repoHas(path: string): boolean {
  return existsSync(join(REPO_ROOT, path))
}
