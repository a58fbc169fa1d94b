// The main job behind `npm start` (after scripts/bootstrap.mjs installed the workspace):
//   1. builds the default index set from the bundled corpus once, cached under .frugal/ by a
//      content hash of everything that goes into it,
//   2. builds the site (apps/leaderboard) and the playground (apps/playground) with Astro,
//      skipped when their inputs did not change,
//   3. starts every Worker on 127.0.0.1 — the retrieval API and the inference API (each with its
//      local R2 under .frugal/), the site, the playground and the gateway in front of them
//      (workers/gateway/scripts/dev-stack.ts),
//   4. uploads the index set through the API unless the same set is already served, and the
//      models (today the random-initialised fixtures of @frugal/models) likewise,
//   5. prints the one URL to open (the gateway), the direct URLs for debugging and an example
//      request; Ctrl-C stops everything it started.
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { join, relative } from 'node:path'
import { buildApp } from '../workers/gateway/scripts/build-apps.ts'
import { type Stack, startStack } from '../workers/gateway/scripts/dev-stack.ts'
import { fixtureModelSets, zooModelSets } from '../workers/inference/scripts/model-sets.ts'
import { uploadIndexSet } from '../workers/retrieval/scripts/dev-server.ts'
import { uploadSet } from '../workers/shared/scripts/dev-server.ts'

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '')
const workerDir = join(root, 'workers', 'retrieval')
const cacheDir = join(root, '.frugal')
const INDEX_NAME = 'default'
/**
 * 128 dims keep the default set (12,895 passages) within the worker's MAX_INDEX_BYTES, so it
 * loads in a 128 MB isolate (workers/retrieval/README.md "Limits"); AdANNS still scans any prefix.
 */
const BUILD_ARGS = ['index', 'build', '--corpus', 'default', '--dims', '128', '--name', INDEX_NAME]
/** Sources whose content decides what `frugal index build` writes. */
const BUILD_INPUTS = [
  'packages/ann/src',
  'packages/datasets/src',
  'packages/models/src',
  'packages/retrieval/src',
  'packages/cli/src',
]

const env: NodeJS.ProcessEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  DO_NOT_TRACK: '1',
  XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? join(root, '.tmp', 'config'),
}

const children: ChildProcess[] = []
/** The Workers, once started (Miniflare also stops their workerd when this process exits). */
let stack: Stack | undefined
let stopping = false

function log(message: string): void {
  console.log(`frugal: ${message}`)
}

function fail(message: string): never {
  console.error(`frugal: ${message}`)
  stopping = true
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {}
    }
  }
  process.exit(1)
}

/** Stops the Workers and every process group this script started, then exits. */
async function stop(code: number): Promise<void> {
  if (stopping) return
  stopping = true
  await stack?.dispose().catch(() => {})
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null && c.pid !== undefined)
  for (const child of alive) {
    try {
      process.kill(-child.pid!, 'SIGTERM')
    } catch {}
  }
  const deadline = Date.now() + 5000
  while (alive.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100))
  }
  for (const child of alive) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {}
    }
  }
  process.exit(code)
}

process.on('SIGINT', () => {
  console.log('')
  log('stopping…')
  void stop(0)
})
process.on('SIGTERM', () => void stop(0))

/** Runs a command to completion with inherited output. */
function run(command: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: 'inherit', detached: true })
    children.push(child)
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  })
}

function hashTree(hash: ReturnType<typeof createHash>, dir: string): void {
  if (!existsSync(dir)) return
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) hashTree(hash, path)
    else if (!/\.test\.ts$/.test(entry)) {
      hash.update(relative(root, path))
      hash.update(readFileSync(path))
    }
  }
}

/** Content hash of the builder sources, the lockfile (corpus and library versions) and the arguments. */
function inputHash(): string {
  const hash = createHash('sha256')
  hash.update(JSON.stringify(BUILD_ARGS))
  hash.update(readFileSync(join(root, 'pnpm-lock.yaml')))
  for (const dir of BUILD_INPUTS) hashTree(hash, join(root, dir))
  return hash.digest('hex').slice(0, 16)
}

/** The default index set folder, built on first use. */
async function defaultIndex(): Promise<string> {
  const key = inputHash()
  const dir = join(cacheDir, 'indexes', `${INDEX_NAME}-${key}`)
  if (existsSync(join(dir, 'manifest.json'))) {
    log(`default index: cached in ${relative(root, dir)}`)
    return dir
  }
  log('building the default index from the bundled State of the Union corpus (once)…')
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  const code = await run(
    process.execPath,
    [join(root, 'packages/cli/src/bin.ts'), ...BUILD_ARGS, '--out', tmp],
    root,
  )
  if (code !== 0 || !existsSync(join(tmp, 'manifest.json'))) {
    rmSync(tmp, { recursive: true, force: true })
    // Interrupted by Ctrl-C: stop() is ending everything and exits; this is no failure.
    if (stopping) await new Promise(() => {})
    fail(`"frugal ${BUILD_ARGS.join(' ')}" failed (exit ${code})`)
  }
  // Drop older cached builds; the rename makes the new one appear whole or not at all.
  for (const old of readdirSync(join(cacheDir, 'indexes'))) {
    if (old.startsWith(`${INDEX_NAME}-`) && !old.includes('.tmp-')) {
      rmSync(join(cacheDir, 'indexes', old), { recursive: true, force: true })
    }
  }
  renameSync(tmp, dir)
  return dir
}

/** The local upload secret in workers/retrieval/.dev.vars (git-ignored), made once. */
function localToken(): string {
  const file = join(workerDir, '.dev.vars')
  const existing = existsSync(file)
    ? /^UPLOAD_TOKEN\s*=\s*"?([^"\n]+)"?/m.exec(readFileSync(file, 'utf8'))
    : null
  if (existing) return existing[1]!
  const token = randomBytes(24).toString('base64url')
  const rest = existsSync(file) ? readFileSync(file, 'utf8') : ''
  writeFileSync(file, `${rest}${rest && !rest.endsWith('\n') ? '\n' : ''}UPLOAD_TOKEN="${token}"\n`, {
    mode: 0o600,
  })
  return token
}

/** Uploads the set unless the worker already serves these exact files. */
async function seed(url: string, dir: string, token: string): Promise<void> {
  const manifestBytes = readFileSync(join(dir, 'manifest.json'))
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as {
    files: Record<string, { sha256: string }>
  }
  // The manifest itself too: a new format version may leave every other file unchanged.
  manifest.files['manifest.json'] = { sha256: createHash('sha256').update(manifestBytes).digest('hex') }
  const current = await fetch(`${url}/v1/indexes`, { signal: AbortSignal.timeout(10_000) })
  if (current.ok) {
    const { indexes } = (await current.json()) as {
      indexes: { name: string; files: { name: string; sha256: string }[] }[]
    }
    const served = indexes.find((i) => i.name === INDEX_NAME)
    const same =
      served !== undefined &&
      Object.entries(manifest.files).every(([f, e]) =>
        served.files.some((s) => s.name === f && s.sha256 === e.sha256),
      )
    if (same) {
      log(`local R2 already serves this build of "${INDEX_NAME}"`)
      return
    }
  }
  log(`uploading "${INDEX_NAME}" to the local R2 through PUT /v1/indexes/${INDEX_NAME}…`)
  try {
    await uploadIndexSet(url, INDEX_NAME, dir, token)
  } catch (err) {
    fail(`uploading the default index failed: ${(err as Error).message}`)
  }
}

/**
 * Uploads the models unless the inference API already serves these exact files: the trained
 * models of @frugal/zoo under their zoo names, and the random-initialised parity fixtures of
 * @frugal/models under their fixture names, labelled as such (`trained: false`; the VLM has no
 * trained counterpart yet).
 */
async function seedModels(url: string, token: string): Promise<{ trained: string[]; fixtures: string[] }> {
  const zoo = zooModelSets()
  const fixtures = fixtureModelSets()
  const sets = new Map([...zoo, ...fixtures])
  const current = await fetch(`${url}/v1/models`, { signal: AbortSignal.timeout(10_000) })
  const served = current.ok
    ? ((await current.json()) as { models: { name: string; files: { name: string; sha256: string }[] }[] })
        .models
    : []
  for (const [name, files] of sets) {
    const have = served.find((m) => m.name === name)
    const same =
      have !== undefined &&
      have.files.length === files.size &&
      [...files].every(([f, data]) =>
        have.files.some((s) => s.name === f && s.sha256 === createHash('sha256').update(data).digest('hex')),
      )
    if (same) continue
    log(`uploading model "${name}" to the local R2 through PUT /v1/models/${name}…`)
    try {
      await uploadSet(`${url}/v1/models/${name}`, files, token)
    } catch (err) {
      fail(`uploading model "${name}" failed: ${(err as Error).message}`)
    }
  }
  return { trained: [...zoo.keys()], fixtures: [...fixtures.keys()] }
}

/** `port` when it is free on 127.0.0.1, else 0 (any free port). */
function portOrAny(port: number): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(0))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(port)))
  })
}

mkdirSync(join(cacheDir, 'indexes'), { recursive: true })
const indexDir = await defaultIndex()
const token = localToken()
log('building the site and the playground (skipped when unchanged)…')
const verbose = (name: string) => (line: string) => {
  if (process.env.FRUGAL_VERBOSE) console.log(`[${name}] ${line}`)
}
let siteDir: string
let playgroundDir: string
try {
  ;[siteDir, playgroundDir] = await Promise.all([
    buildApp('leaderboard', { onLine: verbose('site') }),
    buildApp('playground', { onLine: verbose('playground') }),
  ])
} catch (err) {
  fail((err as Error).message)
}
log(
  'starting the Workers: retrieval API, inference API, site, playground and the gateway in front (127.0.0.1)…',
)
const requested = Number(process.env.PORT ?? 8787)
try {
  stack = await startStack({
    stateDir: join(cacheDir, 'stack'),
    retrievalPersist: join(cacheDir, 'wrangler-state'),
    siteDir,
    playgroundDir,
    retrievalVars: { UPLOAD_TOKEN: token },
    inferencePersist: join(cacheDir, 'inference-state'),
    inferenceVars: { UPLOAD_TOKEN: token },
    logLevel: process.env.FRUGAL_VERBOSE ? 'log' : 'warn',
    gatewayPort: Number.isInteger(requested) && requested > 0 ? await portOrAny(requested) : 0,
  })
} catch (err) {
  fail(`the Workers did not start: ${(err as Error).message}`)
}
const { gateway, site, playground, retrieval, inference } = stack.urls as Required<Stack['urls']>
await seed(retrieval, indexDir, token)
const models = await seedModels(inference, token)

console.log(`
  Open  ${gateway}/

    Leaderboard     ${gateway}/leaderboard/
    Playground      ${gateway}/playground/
    Retrieval API   ${gateway}/api/retrieval/   (OpenAPI: ${gateway}/api/retrieval/openapi.json)
    Inference API   ${gateway}/api/inference/   (OpenAPI: ${gateway}/api/inference/openapi.json)
                    trained models: ${models.trained.join(', ') || '(none)'}
                    random-initialised test models (outputs carry no meaning): ${models.fixtures.join(', ')}

  Direct, one Worker each (for debugging):
    site            ${site}/
    playground      ${playground}/   (its searches go to /api/retrieval: use the gateway)
    retrieval API   ${retrieval}/   (API reference: ${retrieval}/docs)
    inference API   ${inference}/   (API reference: ${inference}/docs)

  Try:
    curl -s ${gateway}/api/retrieval/v1/indexes/${INDEX_NAME}/search \\
      -H 'content-type: application/json' \\
      -d '{"query":"tariffs on imported goods","k":3,"mode":"hybrid"}'
    curl -sN ${gateway}/api/inference/v1/models/${models.trained.includes('frugal-elm-base') ? 'frugal-elm-base' : 'openelm'}/generate \\
      -H 'content-type: application/json' \\
      -d '{"prompt":"Fellow-Citizens of the Senate","maxTokens":16,"stream":true,"kvPrediction":true}'

  Upload token (local only, both APIs): workers/retrieval/.dev.vars
  Press Ctrl-C to stop.
`)
