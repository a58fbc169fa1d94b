import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const packages = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const WORKSPACE: Record<string, string> = {
  '@frugal/retrieval': join(packages, 'retrieval/src/index.ts'),
  '@frugal/models': join(packages, 'models/src/index.ts'),
  '@frugal/models/embedders': join(packages, 'models/src/embedders.ts'),
  '@frugal/datasets': join(packages, 'datasets/src/index.ts'),
}

/** Every module specifier reachable from `entry` through relative and workspace imports (not tests). */
function importGraph(entry: string): { files: string[]; externals: Set<string> } {
  const seen = new Set<string>()
  const externals = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const source = readFileSync(file, 'utf8')
    for (const match of source.matchAll(
      /(?:import|export)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g,
    )) {
      const spec = (match[1] ?? match[2])!
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec))
      else if (WORKSPACE[spec] !== undefined) visit(WORKSPACE[spec])
      else externals.add(spec)
    }
  }
  visit(entry)
  return { files: [...seen], externals }
}

describe('runtime-neutral entry points', () => {
  it('the main entries of retrieval, models and datasets reach no Node-only module', () => {
    for (const entry of Object.values(WORKSPACE)) {
      const { files, externals } = importGraph(entry)
      expect(files.filter((f) => f.endsWith('-node.ts'))).toEqual([])
      expect(
        [...externals].filter((s) => s.startsWith('node:') || s === '@huggingface/transformers'),
      ).toEqual([])
    }
    const { externals } = importGraph(WORKSPACE['@frugal/retrieval']!)
    expect([...externals].sort()).toEqual([
      '@frugal/ann',
      'minisearch',
      'ml-matrix',
      'stemmer',
      'stopword',
      'zod',
    ])
  })
})
