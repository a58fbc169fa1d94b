#!/usr/bin/env node
// Copies the self-contained Scalar API reference bundle into the worker's static assets, so
// `/docs` works without any CDN. Runs as wrangler's build step (dev and deploy) and in tests:
// `node docs-assets.mjs WORKER_DIR` (the worker's package.json must depend on @scalar/api-reference).
import { copyFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'

const root = resolve(process.argv[2] ?? '.')
const require = createRequire(join(root, 'package.json'))
// The package's `exports` hide dist/, so locate it through its resolvable main entry.
const entry = require.resolve('@scalar/api-reference')
const pkgDir = entry.slice(0, entry.lastIndexOf(`${'/'}dist${'/'}`))
mkdirSync(join(root, '.assets', 'docs'), { recursive: true })
copyFileSync(join(pkgDir, 'dist', 'browser', 'standalone.js'), join(root, '.assets', 'docs', 'scalar.js'))
