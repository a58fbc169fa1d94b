import { existsSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root (`apps/leaderboard`), found from this file so it works from any working directory. */
export const SITE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The monorepo root. */
export const REPO_ROOT = resolve(SITE_ROOT, '..', '..')

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
