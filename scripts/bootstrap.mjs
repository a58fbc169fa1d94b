#!/usr/bin/env node
// Entry point of the README's two commands. Runs on any Node >= 20 with npm: it brings the
// pinned pnpm (from the npm registry), installs the workspace (which brings Node 22 as a
// devDependency), then runs the task's script on that Node 22 directly (not through
// `pnpm run`, which reports a Ctrl-C of a long-running script as "[ELIFECYCLE] Command failed").
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PNPM = 'pnpm@12.4.2'
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
/**
 * What each task runs: `start` the script itself on Node 22 (as the root `dev:start` does);
 * `test` the root `check` script through pnpm, because turbo runs each package's tasks with pnpm.
 */
const tasks = { start: { script: 'scripts/start.ts' }, test: { pnpm: 'check' } }
const task = process.argv[2]

if (!(task in tasks)) {
  console.error(`usage: node scripts/bootstrap.mjs <${Object.keys(tasks).join('|')}>`)
  process.exit(2)
}

const tmp = join(root, '.tmp')
mkdirSync(join(tmp, 'config'), { recursive: true })
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  DO_NOT_TRACK: '1',
  TURBO_TELEMETRY_DISABLED: '1',
  XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? join(tmp, 'config'),
  FRUGAL_PNPM: PNPM,
}

let interrupted = false

/** Runs `command ...args` in its own process group; resolves with its exit code. */
function run(command, args, childEnv = env) {
  return new Promise((resolve) => {
    // Its own process group, so that a signal reaches every process under it (npx, pnpm, the
    // script and the servers it starts), not just the first.
    const child = spawn(command, args, { cwd: root, env: childEnv, stdio: 'inherit', detached: true })
    const forward = (signal) => {
      interrupted = true
      try {
        process.kill(-child.pid, signal)
      } catch {
        child.kill(signal)
      }
    }
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      resolve(code ?? (signal ? 128 : 1))
    })
  })
}

const installed = await run('npx', ['-y', PNPM, 'install', '--frozen-lockfile', '--reporter=append-only'])
if (interrupted) process.exit(130)
if (installed !== 0) {
  console.error(`\nfrugal: "pnpm install" failed with exit code ${installed}`)
  process.exit(installed)
}
// The workspace's Node 22 and tools first on the PATH, as `pnpm run` would put them.
const bin = join(root, 'node_modules', '.bin')
const node = join(bin, process.platform === 'win32' ? 'node.exe' : 'node')
const { script, pnpm } = tasks[task]
const code = script
  ? await run(existsSync(node) ? node : process.execPath, [join(root, script)], {
      ...env,
      PATH: `${bin}${delimiter}${env.PATH ?? ''}`,
    })
  : await run('npx', ['-y', PNPM, 'run', pnpm])
// A Ctrl-C that the script handled (start.ts stops its servers and exits 0) ends quietly.
process.exit(interrupted && code !== 0 ? 130 : code)
