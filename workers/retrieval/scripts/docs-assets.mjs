#!/usr/bin/env node
// Copies the self-contained Scalar API reference bundle into the worker's static assets, so
// `/docs` works without any CDN. Runs as wrangler's build step (dev and deploy) and in tests.
import { copyFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))
// The package's `exports` hide dist/, so locate it through its resolvable main entry.
const entry = require.resolve('@scalar/api-reference')
const pkgDir = entry.slice(0, entry.lastIndexOf(`${'/'}dist${'/'}`))
mkdirSync(join(root, '.assets', 'docs'), { recursive: true })
copyFileSync(join(pkgDir, 'dist', 'browser', 'standalone.js'), join(root, '.assets', 'docs', 'scalar.js'))
