#!/usr/bin/env node
// Entry point of the README's two commands. Runs on any Node >= 20 with npm: it brings the
// pinned pnpm (from the npm registry), installs the workspace (which brings Node 22 as a
// devDependency), then hands over to a pnpm script that runs on Node 22.
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PNPM = 'pnpm@12.4.2'
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const tasks = { start: 'dev:start', test: 'check' }
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

/** Runs `npx -y pnpm@<pinned> ...args` and resolves with its exit code. */
function pnpm(args) {
  return new Promise((resolve) => {
    // Its own process group, so that a signal reaches every process under it (npx, pnpm, the
    // script and the servers it starts), not just npx.
    const child = spawn('npx', ['-y', PNPM, ...args], { cwd: root, env, stdio: 'inherit', detached: true })
    const forward = (signal) => {
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

const installed = await pnpm(['install', '--frozen-lockfile', '--reporter=append-only'])
if (installed !== 0) {
  console.error(`\nfrugal: "pnpm install" failed with exit code ${installed}`)
  process.exit(installed)
}
process.exit(await pnpm(['run', tasks[task]]))
