// Runs in Node before the workerd tests: makes the docs bundle available as a static asset and
// builds a small index set with the real builder (`buildIndexSet`, what `frugal index build`
// runs), cached by the hash of its inputs.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { collect, readBeirCorpus } from '@frugal/datasets/node'
import { buildIndexSet } from '@frugal/retrieval'
import { writeIndexSet } from '@frugal/retrieval/node'
import type { TestProject } from 'vitest/node'

const here = fileURLToPath(new URL('.', import.meta.url))
const repo = join(here, '..', '..', '..')
const corpus = join(here, 'fixtures', 'tiny-corpus')
/** Small dims: the tiny corpus has 32 documents, so its LSA rank is at most 32. IVF so that
 * `nprobe`, `budget` and `targetRecall` have something to choose. */
const BUILD = {
  name: 'tiny',
  source: 'tiny-corpus',
  embedder: { kind: 'lsa', fit: { dims: 16 } },
  kind: 'ivf',
  nlist: 4,
} as const

declare module 'vitest' {
  interface ProvidedContext {
    /** The files of the fixture index set, base64-encoded, by file name. */
    indexSet: Record<string, string>
  }
}

function hashDir(hash: ReturnType<typeof createHash>, dir: string): void {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) hashDir(hash, path)
    else if (!entry.endsWith('.test.ts')) hash.update(entry).update(readFileSync(path))
  }
}

async function buildFixture(): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(BUILD))
  for (const pkg of ['ann', 'datasets', 'models', 'retrieval', 'cli']) {
    const src = join(repo, 'packages', pkg, 'src')
    if (existsSync(src)) hashDir(hash, src)
  }
  hashDir(hash, corpus)
  const out = join(here, '..', '.tmp', `fixture-${hash.digest('hex').slice(0, 12)}`)
  if (existsSync(join(out, 'manifest.json'))) return out
  const tmp = `${out}.partial`
  rmSync(tmp, { recursive: true, force: true })
  const docs = await collect(readBeirCorpus(corpus), join(corpus, 'corpus.jsonl'))
  const { files } = await buildIndexSet(docs, BUILD)
  await writeIndexSet(tmp, files)
  renameSync(tmp, out)
  return out
}

export default async function setup(project: TestProject): Promise<void> {
  execFileSync(process.execPath, [join(here, '..', 'scripts', 'docs-assets.mjs')])
  const dir = await buildFixture()
  const files: Record<string, string> = {}
  for (const name of readdirSync(dir)) files[name] = readFileSync(join(dir, name)).toString('base64')
  project.provide('indexSet', files)
}
