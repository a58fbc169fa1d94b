import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it, vi } from 'vitest'

it('runs the README quick start as written', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]
  expect(code).toContain("from '@frugal/ann'")
  const dir = new URL('../.tmp/', import.meta.url).pathname
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'readme-quickstart.ts')
  writeFileSync(file, code!)
  const log = vi.spyOn(console, 'log').mockImplementation(() => {})
  await import(/* @vite-ignore */ file)
  expect(log).toHaveBeenCalledTimes(1)
  const [ids, again] = log.mock.calls[0] as [Int32Array, Int32Array]
  expect(ids.length).toBe(10)
  expect(again[0]).toBe(0) // the query is row 0
  log.mockRestore()
}, 60_000)
