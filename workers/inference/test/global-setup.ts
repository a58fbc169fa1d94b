// Runs in Node before the workerd tests: makes the docs bundle available as a static asset and
// builds the model sets of the @frugal/models fixtures (scripts/model-sets.ts).
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { fixtureModelSets } from '../scripts/model-sets.ts'

const here = fileURLToPath(new URL('.', import.meta.url))

declare module 'vitest' {
  interface ProvidedContext {
    /** The fixture model sets: name → file name → base64 bytes. */
    modelSets: Record<string, Record<string, string>>
  }
}

export default function setup(project: TestProject): void {
  execFileSync(process.execPath, [
    join(here, '..', '..', 'shared', 'scripts', 'docs-assets.mjs'),
    join(here, '..'),
  ])
  const sets: Record<string, Record<string, string>> = {}
  for (const [name, files] of fixtureModelSets()) {
    sets[name] = Object.fromEntries([...files].map(([f, data]) => [f, Buffer.from(data).toString('base64')]))
  }
  project.provide('modelSets', sets)
}
