// The same code in the browser and in workerd: the package is bundled for the browser platform (a
// Node built-in would fail the bundle) and run in headless Chromium and in workerd (Miniflare), and
// what it makes there must match Node's output byte for byte.
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { convertV4MiniflareOptions, Miniflare } from 'miniflare'
import { chromium } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { synthesize } from './ctrl/pipeline.ts'
import { parsePolicy } from './ctrl/policy.ts'
import { factWorldFiles } from './fact-files.ts'
import { generateFactWorld } from './facts.ts'
import { encodePng } from './png.ts'
import { renderScene } from './render.ts'
import { generateSample } from './world.ts'

/** Runs in each runtime against the bundle's exports; returns plain JSON. */
const MAKE = `async function make(s) {
  const samples = [0, 1, 2, 3].map((index) => s.generateSample({ seed: 5, split: 'test', index }))
  const policy = s.parsePolicy({ seed: 1, ops: [{ op: 'replace', attr: 'colour', from: 'any', to: 'any' }] })
  const edited = await s.synthesize({ record: samples[0] }, 0, { policy, path: 'text-image', filter: true })
  return {
    samples: samples.map((x) => JSON.stringify(x)),
    pngs: samples.map((x) => [...s.encodePng(s.renderScene(x.graph))]),
    facts: s.factWorldFiles(s.generateFactWorld({ entities: 40, seed: 2 }))['answers.jsonl'],
    edited: [...edited.png],
  }
}`

interface Made {
  samples: string[]
  pngs: number[][]
  facts: string
  edited: number[]
}

async function bundle(format: 'iife' | 'esm', footer: string): Promise<string> {
  const result = await build({
    stdin: {
      contents: `import * as s from './index.ts'\n${MAKE}\n${footer}`,
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format,
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}

async function expectNodeBytes(made: Made): Promise<void> {
  const samples = [0, 1, 2, 3].map((index) => generateSample({ seed: 5, split: 'test', index }))
  expect(made.samples).toEqual(samples.map((x) => JSON.stringify(x)))
  expect(made.pngs).toEqual(samples.map((x) => [...encodePng(renderScene(x.graph))]))
  expect(made.facts).toBe(factWorldFiles(generateFactWorld({ entities: 40, seed: 2 }))['answers.jsonl'])
  const policy = parsePolicy({ seed: 1, ops: [{ op: 'replace', attr: 'colour', from: 'any', to: 'any' }] })
  const edited = await synthesize({ record: samples[0]! }, 0, { policy, path: 'text-image', filter: true })
  if (!edited.kept) throw new Error('expected a kept sample')
  expect(made.edited).toEqual([...edited.png!])
}

describe('other runtimes', () => {
  it('generates, renders, encodes and edits in Chromium exactly as in Node', async () => {
    const script = await bundle('iife', 'globalThis.make = () => make(s)')
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
    try {
      const page = await browser.newPage()
      await page.addScriptTag({ content: script })
      await expectNodeBytes((await page.evaluate('make()')) as Made)
    } finally {
      await browser.close()
    }
  })

  it('does the same in workerd', async () => {
    const script = await bundle(
      'esm',
      'export default { async fetch() { return Response.json(await make(s)) } }',
    )
    const mf = new Miniflare(
      convertV4MiniflareOptions({ modules: true, script, compatibilityDate: '2026-01-01' }),
    )
    try {
      const response = await mf.dispatchFetch('http://localhost/')
      await expectNodeBytes((await response.json()) as Made)
    } finally {
      await mf.dispose()
    }
  })
})
