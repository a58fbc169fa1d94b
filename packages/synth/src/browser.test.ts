// The same code in a browser: the package is bundled for the browser platform (a Node built-in
// would fail the bundle) and run in headless Chromium, and what it makes there must match Node's
// output byte for byte.
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { synthesize } from './ctrl/pipeline.ts'
import { parsePolicy } from './ctrl/policy.ts'
import { factWorldFiles, generateFactWorld } from './facts.ts'
import { encodePng } from './png.ts'
import { renderScene } from './render.ts'
import { generateSample } from './world.ts'

let browser: Browser
let bundle: string

beforeAll(async () => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./index.ts', import.meta.url))],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'synth',
    write: false,
    logLevel: 'silent',
  })
  bundle = result.outputFiles[0]!.text
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
}, 60_000)

afterAll(async () => {
  await browser?.close()
})

/** What both runtimes compute, as plain JSON. */
interface Made {
  samples: string[]
  pngs: number[][]
  facts: string
  edited: number[]
}

describe('in a browser', () => {
  it('generates, renders, encodes and edits exactly as in Node', async () => {
    const page = await browser.newPage()
    await page.addScriptTag({ content: bundle })
    const made = (await page.evaluate(async () => {
      // biome-ignore lint/suspicious/noExplicitAny: the bundle's global
      const s = (globalThis as any).synth
      const samples = [0, 1, 2, 3].map((index: number) => s.generateSample({ seed: 5, split: 'test', index }))
      const policy = s.parsePolicy({
        seed: 1,
        ops: [{ op: 'replace', attr: 'colour', from: 'any', to: 'any' }],
      })
      const edited = await s.synthesize({ record: samples[0] }, 0, {
        policy,
        path: 'text-image',
        filter: true,
      })
      return {
        samples: samples.map((x: unknown) => JSON.stringify(x)),
        pngs: samples.map((x: { graph: unknown }) => [...s.encodePng(s.renderScene(x.graph))]),
        facts: s.factWorldFiles(s.generateFactWorld({ entities: 40, seed: 2 }))['answers.jsonl'],
        edited: [...edited.png],
      }
    })) as Made
    await page.close()
    const samples = [0, 1, 2, 3].map((index) => generateSample({ seed: 5, split: 'test', index }))
    expect(made.samples).toEqual(samples.map((x) => JSON.stringify(x)))
    expect(made.pngs).toEqual(samples.map((x) => [...encodePng(renderScene(x.graph))]))
    expect(made.facts).toBe(factWorldFiles(generateFactWorld({ entities: 40, seed: 2 }))['answers.jsonl'])
    const policy = parsePolicy({ seed: 1, ops: [{ op: 'replace', attr: 'colour', from: 'any', to: 'any' }] })
    const edited = await synthesize({ record: samples[0]! }, 0, { policy, path: 'text-image', filter: true })
    if (!edited.kept) throw new Error('expected a kept sample')
    expect(made.edited).toEqual([...edited.png!])
  })
})
