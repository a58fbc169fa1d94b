import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encode } from 'fast-png'
import { describe, expect, it } from 'vitest'
import { readImage, repeated } from './model-files-node.ts'

const vision = { image_size: 8, num_channels: 3, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] }

describe('readImage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'frugal-png-'))
  const palette = [
    [200, 30, 30],
    [30, 200, 30],
    [30, 30, 200],
    [240, 240, 240],
  ]
  const index = new Uint8Array(64).map((_, i) => (i * 7) % 4)
  const rgb = new Uint8Array(64 * 3)
  for (let i = 0; i < 64; i++) rgb.set(palette[index[i]!]!, i * 3)
  writeFileSync(join(dir, 'rgb.png'), encode({ width: 8, height: 8, data: rgb, channels: 3, depth: 8 }))
  writeFileSync(
    join(dir, 'pal.png'),
    encode({ width: 8, height: 8, data: index, channels: 1, depth: 8, palette }),
  )

  it('normalises RGB into channel-first floats with the config mean and std', async () => {
    const x = await readImage(join(dir, 'rgb.png'), vision)
    expect(x).toHaveLength(3 * 64)
    for (const [c, i] of [
      [0, 0],
      [1, 5],
      [2, 63],
    ] as const) {
      expect(x[c * 64 + i]).toBeCloseTo((rgb[i * 3 + c]! / 255 - 0.5) / 0.5, 6)
    }
  })

  it('reads a palette PNG as the same image as its RGB form', async () => {
    expect(await readImage(join(dir, 'pal.png'), vision)).toEqual(
      await readImage(join(dir, 'rgb.png'), vision),
    )
  })

  it('refuses other sizes and files that are not PNGs', async () => {
    await expect(readImage(join(dir, 'rgb.png'), { ...vision, image_size: 16 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    writeFileSync(join(dir, 'bad.png'), 'not a png')
    await expect(readImage(join(dir, 'bad.png'), vision)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})

describe('repeated', () => {
  it('collects every value of a repeated flag in order', () => {
    expect(repeated(['--dir', 'a', '--json', '--dir=b', '--', '--dir', 'c'], 'dir')).toEqual(['a', 'b'])
    expect(() => repeated(['--dir'], 'dir')).toThrow('needs a value')
  })
})
