// Runs in Node before the tests: builds the site (from the leaderboard's fixture results) and
// the playground with Astro — cached by a hash of their inputs so that reruns skip the build —
// starts the four Workers together (scripts/dev-stack.ts) and uploads a small index set built
// with the real builder to the retrieval API as "default". The tests get the URLs.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { collect, readBeirCorpus } from '@frugal/datasets/node'
import { buildIndexSet } from '@frugal/retrieval'
import { createTar } from 'nanotar'
import type { TestProject } from 'vitest/node'
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

function hashInto(hash: ReturnType<typeof createHash>, path: string): void {
  if (!existsSync(path)) return
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) {
      if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) continue
      hashInto(hash, join(path, entry))
    }
  } else if (!path.endsWith('.test.ts')) {
    hash.update(path.slice(repo.length)).update(readFileSync(path))
  }
}

/** Builds `apps/<app>` into a folder named by the hash of its inputs, unless that folder exists. */
function buildApp(app: string, env: Record<string, string>, inputs: string[]): Promise<string> {
  const dir = join(repo, 'apps', app)
  const hash = createHash('sha256').update(JSON.stringify(env))
  for (const input of [dir, join(repo, 'pnpm-lock.yaml'), ...inputs]) hashInto(hash, input)
  const out = join(tmp, 'sites', `${app}-${hash.digest('hex').slice(0, 12)}`)
  if (existsSync(join(out, 'index.html'))) return Promise.resolve(out)
  const partial = `${out}.partial`
  rmSync(partial, { recursive: true, force: true })
  const outVar = app === 'leaderboard' ? 'FRUGAL_SITE_OUT' : 'FRUGAL_PLAYGROUND_OUT'
  const cacheVar = app === 'leaderboard' ? 'FRUGAL_SITE_CACHE' : 'FRUGAL_PLAYGROUND_CACHE'
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(dir, 'node_modules', 'astro', 'bin', 'astro.mjs'), 'build'], {
      cwd: dir,
      env: {
        ...process.env,
        ...env,
        ASTRO_TELEMETRY_DISABLED: '1',
        [outVar]: partial,
        [cacheVar]: join(tmp, 'sites', `${app}-cache`),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => {
      output += d
    })
    child.stderr.on('data', (d) => {
      output += d
    })
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`astro build of apps/${app} failed (${code}):\n${output}`))
      renameSync(partial, out)
      resolve(out)
    })
  })
}

let stack: Stack | undefined

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const packages = ['ann', 'bench', 'retrieval', 'models', 'datasets'].map((p) => join(repo, 'packages', p))
  const [siteDir, playgroundDir, files] = await Promise.all([
    buildApp(
      'leaderboard',
      { FRUGAL_RESULTS_DIR: join(repo, 'apps', 'leaderboard', 'test', 'fixtures', 'results') },
      [join(repo, 'packages')],
    ),
    buildApp('playground', {}, packages),
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
