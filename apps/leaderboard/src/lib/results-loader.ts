import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type BenchResult, parseResult } from '@frugal/bench'
import type { Loader } from 'astro/loaders'

/** Raised when a result file breaks the schema: it names the file, and the build stops. */
export class ResultFileError extends Error {
  readonly code = 'INVALID_RESULT_FILE'
  readonly file: string
  constructor(file: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ResultFileError'
    this.file = file
  }
}

/**
 * Reads every `*.json` of `dir` through the @frugal/bench schema. The whole folder is refused if one
 * file is bad: a leaderboard built from the files that happened to parse would silently drop runs.
 * A missing folder is an empty leaderboard (no results have been produced yet).
 * @returns the results with their ids (file names without `.json`), sorted by id
 */
export function readResults(dir: string): Array<{ id: string; file: string; data: BenchResult }> {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = join(dir, f)
      try {
        return { id: f.slice(0, -'.json'.length), file, data: parseResult(readFileSync(file, 'utf8'), file) }
      } catch (cause) {
        const reason = cause instanceof Error ? cause.message : String(cause)
        throw new ResultFileError(
          file,
          `Result file ${file} does not match the @frugal/bench result schema: ${reason}`,
          { cause },
        )
      }
    })
}

/**
 * The content-layer loader of the `results` collection. Validation is `parseResult` of @frugal/bench
 * (the schema plus its cross-field rules), applied here rather than as a collection schema because
 * Astro cannot derive its JSON Schema from a refined zod object.
 */
export function resultsLoader(dir: () => string): Loader {
  return {
    name: 'frugal-results',
    load: async ({ store, logger, generateDigest }) => {
      const folder = dir()
      const results = readResults(folder)
      store.clear()
      for (const { id, data } of results) {
        const record = data as unknown as Record<string, unknown>
        store.set({ id, data: record, digest: generateDigest(record) })
      }
      logger.info(`${results.length} result files from ${folder}`)
    },
  }
}
