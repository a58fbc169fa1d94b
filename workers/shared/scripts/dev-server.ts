// Node-only helpers to run an edge API locally (used by `npm start`, the benchmarks and the
// workers' own dev-server modules): `wrangler dev` on 127.0.0.1 in its own process group, and
// artifact-set uploads through the API.
import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { createTar } from 'nanotar'

/** Options of {@link startDevServer}. */
export interface DevServerOptions {
  /** The worker's folder (its wrangler.jsonc and node_modules/wrangler). */
  workerDir: string
  /** Folder of the local R2 and other state (`--persist-to`). */
  persistTo: string
  /** Extra `--var NAME:value` bindings (e.g. a token for a throw-away server). */
  vars?: Record<string, string>
  /** Called with every line wrangler prints. */
  onLine?: (line: string) => void
  /** Milliseconds to wait for `/healthz`; default 90 000. */
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
}

/** A running `wrangler dev`. */
export interface DevServer {
  url: string
  /** The wrangler process (its group holds workerd). */
  process: ChildProcess
  /** Stops the whole process group; resolves once it exited. */
  stop(): Promise<void>
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {}
}

/**
 * Starts `wrangler dev` for this worker on 127.0.0.1 (free ports, metrics and the `cf` fetch off,
 * the inspector on a free loopback port) and resolves once `/healthz` answers 200.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const [port, inspectorPort] = [await freePort(), await freePort()]
  const workerDir = options.workerDir
  const args = [
    join(workerDir, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-ip',
    '127.0.0.1',
    '--inspector-port',
    String(inspectorPort),
    '--persist-to',
    options.persistTo,
    '--show-interactive-dev-session=false',
    '--log-level',
    'warn',
  ]
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push('--var', `${name}:${value}`)
  const child = spawn(process.execPath, args, {
    cwd: workerDir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...(options.env ?? process.env),
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      DO_NOT_TRACK: '1',
    },
  })
  const log: string[] = []
  for (const stream of [child.stdout!, child.stderr!]) {
    let buffered = ''
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      buffered += chunk
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        log.push(line)
        if (log.length > 200) log.shift()
        options.onLine?.(line)
      }
    })
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    killGroup(child, 'SIGTERM')
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + (options.timeoutMs ?? 90_000)
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`wrangler dev exited (${child.exitCode ?? child.signalCode}):\n${log.join('\n')}`)
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })
      if (res.ok) return { url, process: child, stop }
    } catch {}
    await new Promise((r) => setTimeout(r, 200))
  }
  await stop()
  throw new Error(`wrangler dev did not become healthy at ${url}:\n${log.join('\n')}`)
}

/** The files of an artifact-set folder (dot files left out), by name. */
export function readDirectory(dir: string): Map<string, Uint8Array> {
  const names = readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .sort()
  return new Map(names.map((name) => [name, new Uint8Array(readFileSync(join(dir, name)))]))
}

/** Files as a tar archive (what `tar -C dir -cf - .` sends). */
export function tarFiles(files: Map<string, Uint8Array>): Uint8Array {
  return createTar([...files].map(([name, data]) => ({ name, data })))
}

/** The files of an artifact-set folder as a tar archive. */
export function tarDirectory(dir: string): Uint8Array {
  return tarFiles(readDirectory(dir))
}

/**
 * Uploads an artifact set with `PUT url` (a tar archive of `files`, or of a folder's files);
 * throws with the API's error message when refused.
 */
export async function uploadSet(
  url: string,
  files: Map<string, Uint8Array> | string,
  token: string,
): Promise<void> {
  const body = typeof files === 'string' ? tarDirectory(files) : tarFiles(files)
  const res = await fetch(url, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-tar' },
    body: new Uint8Array(body),
    signal: AbortSignal.timeout(300_000),
  })
  if (!res.ok) throw new Error(`PUT ${new URL(url).pathname}: ${res.status} ${await res.text()}`)
}
