// Runs in Node before the tests: builds the site (from the leaderboard's fixture results) and
// the playground with Astro (scripts/build-apps.ts: skipped when their inputs did not change),
// starts the four Workers together (scripts/dev-stack.ts) and uploads a small index set built
// with the real builder to the retrieval API as "default". The tests get the URLs.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { collect, readBeirCorpus } from '@frugal/datasets/node'
import { buildIndexSet } from '@frugal/retrieval'
import { createTar } from 'nanotar'
import type { TestProject } from 'vitest/node'
import { buildApp } from '../scripts/build-apps.ts'
import { type Stack, startStack } from '../scripts/dev-stack.ts'

const here = fileURLToPath(new URL('.', import.meta.url))
const repo = join(here, '..', '..', '..')
const tmp = join(here, '..', '.tmp')
const TOKEN = 'gateway-test-token'
const corpus = join(repo, 'workers', 'retrieval', 'test', 'fixtures', 'tiny-corpus')
/** IVF so that the playground's dims, nprobe, budget and recall controls have a frontier to move on. */
const BUILD = {
  name: 'tiny',
  source: 'tiny-corpus',
  embedder: { kind: 'lsa', fit: { dims: 16 } },
  kind: 'ivf',
  nlist: 4,
} as const

declare module 'vitest' {
  interface ProvidedContext {
    /** Base URLs (no trailing slash) of the gateway and of each Worker behind it. */
    urls: { gateway: string; site: string; playground: string; retrieval: string }
  }
}

let stack: Stack | undefined

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [siteDir, playgroundDir, files] = await Promise.all([
    buildApp('leaderboard', {
      outDir: join(tmp, 'sites', 'leaderboard'),
      env: { FRUGAL_RESULTS_DIR: join(repo, 'apps', 'leaderboard', 'test', 'fixtures', 'results') },
    }),
    buildApp('playground', { outDir: join(tmp, 'sites', 'playground') }),
    collect(readBeirCorpus(corpus), join(corpus, 'corpus.jsonl')).then((docs) => buildIndexSet(docs, BUILD)),
  ])
  const state = join(tmp, `stack-${process.pid}`)
  rmSync(state, { recursive: true, force: true })
  stack = await startStack({
    stateDir: state,
    siteDir,
    playgroundDir,
    retrievalVars: { UPLOAD_TOKEN: TOKEN },
  })
  const urls = stack.urls as Required<Stack['urls']>
  const tar = createTar(Object.entries(files.files).map(([name, data]) => ({ name, data })))
  const res = await fetch(`${urls.retrieval}/v1/indexes/default`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-tar' },
    body: new Uint8Array(tar),
  })
  if (!res.ok) throw new Error(`uploading the fixture index failed: ${res.status} ${await res.text()}`)
  project.provide('urls', {
    gateway: urls.gateway,
    site: urls.site,
    playground: urls.playground,
    retrieval: urls.retrieval,
  })
  return async () => {
    await stack?.dispose()
    rmSync(state, { recursive: true, force: true })
  }
}
