import { readFile } from 'node:fs/promises'
import asc from 'assemblyscript/asc'
import { expect, it } from 'vitest'

const asm = new URL('../../asm/', import.meta.url)

// The committed modules are what `pnpm run build:wasm` makes of the committed source.
it.each([
  ['kernels.wasm', []],
  ['kernels-relaxed.wasm', ['--enable', 'relaxed-simd']],
])('asm/%s is built from asm/kernels.ts', async (file, extra) => {
  let built: Uint8Array | undefined
  const { error, stderr } = await asc.main(
    ['kernels.ts', '-o', file, '--enable', 'simd', ...extra, '-O3', '--runtime', 'stub', '--noAssert'],
    {
      readFile: async (name: string, baseDir: string) => {
        try {
          return await readFile(new URL(name, new URL(`${baseDir.replace(/\/?$/, '/')}`, asm)), 'utf8')
        } catch {
          return null
        }
      },
      writeFile: async (name: string, contents: Uint8Array | string) => {
        if (name === file) built = contents as Uint8Array
      },
      listFiles: async () => [],
    },
  )
  expect(error, String(stderr)).toBeNull()
  expect(built).toBeDefined()
  expect(Buffer.from(built!).equals(await readFile(new URL(file, asm)))).toBe(true)
})
