// `pnpm --filter @frugal/leaderboard serve [--port N] [--no-build]`: builds the site, then serves the
// build as it is deployed — the static-assets Worker of wrangler.jsonc, under `wrangler dev` (workerd)
// on 127.0.0.1 — and prints its URL. The port comes from --port, then the PORT variable, else a free
// one. Ctrl-C (or SIGTERM) stops the server.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// Run Astro's entry with this very Node (22), not whatever `node` the PATH of a shell wrapper finds.
const astro = join(root, 'node_modules', 'astro', 'bin', 'astro.mjs')
const wrangler = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
const env = {
  ...process.env,
  ASTRO_TELEMETRY_DISABLED: '1',
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  DO_NOT_TRACK: '1',
}
/** The build folder: FRUGAL_SITE_OUT as the Astro config reads it, else wrangler.jsonc's ./dist. */
const outDir = process.env['FRUGAL_SITE_OUT'] ? resolve(process.env['FRUGAL_SITE_OUT']) : join(root, 'dist')

const { values } = parseArgs({
  // pnpm passes a literal `--` through when called as `pnpm run serve -- --port N`.
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { port: { type: 'string' }, 'no-build': { type: 'boolean', default: false } },
})

/** Asks the OS for a free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

function run(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [astro, ...args], { cwd: root, env, stdio: 'inherit' })
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
  })
}

const requested = values.port ?? process.env['PORT']
const port = requested ? Number(requested) : await freePort()
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`leaderboard: invalid port "${requested}"`)
  process.exit(2)
}

if (!values['no-build']) {
  const code = await run(['build'])
  if (code !== 0) {
    console.error(`leaderboard: build failed (exit code ${code})`)
    process.exit(code)
  }
}

const inspectorPort = await freePort()
const server: ChildProcess = spawn(
  process.execPath,
  [
    wrangler,
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--assets',
    outDir,
    '--inspector-ip',
    '127.0.0.1',
    '--inspector-port',
    String(inspectorPort),
    '--show-interactive-dev-session=false',
  ],
  // Its own process group: stopping it takes workerd along.
  { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], detached: true },
)
let announced = false
server.stdout?.setEncoding('utf8')
server.stdout?.on('data', (chunk: string) => {
  process.stdout.write(chunk)
  if (!announced && chunk.includes('Ready on')) {
    announced = true
    console.log(`leaderboard: serving the site at http://127.0.0.1:${port}/`)
  }
})
const stop = (signal: NodeJS.Signals) => {
  try {
    process.kill(-server.pid!, signal)
  } catch {}
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)))
