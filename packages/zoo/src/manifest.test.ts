import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { manifest, zooModel, zooModels } from './index.ts'
import { parseManifest } from './manifest.ts'
import { buildManifest, readManifest, verifyZoo, ZOO_DIR, zooModelDir } from './node.ts'

const tmp = mkdtempSync(join(tmpdir(), 'frugal-zoo-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const WEIGHT_BUDGET = 48 * 1024 * 1024

describe('the zoo against its manifest', () => {
  it('every file of every model matches its size and SHA-256, and nothing is unlisted', async () => {
    const names = await verifyZoo(await readManifest())
    expect(names).toEqual(Object.keys(manifest.models).sort())
  })

  it('the manifest is what the model directories produce (index, parameters and summaries up to date)', async () => {
    expect(await buildManifest()).toEqual(await readManifest())
  })

  it('all weights together stay within the 48 MB budget, stored as f16', () => {
    let total = 0
    for (const m of zooModels()) total += m.files['model.safetensors']?.bytes ?? 0
    expect(total).toBeLessThanOrEqual(WEIGHT_BUDGET)
  })

  it('the typed index lists each model with its task, size and headline evaluation', () => {
    for (const m of zooModels()) {
      expect(m.bytes).toBe(Object.values(m.files).reduce((a, f) => a + f.bytes, 0))
      expect(m.files['README.md']).toBeDefined()
      expect(m.files['config.json']).toBeDefined()
      expect(zooModel(m.name)).toEqual(m)
      expect(zooModelDir(m.name, manifest)).toBe(join(ZOO_DIR, m.name))
    }
  })
})

describe('refusals', () => {
  function copyZoo(): string {
    const dir = join(tmp, `zoo-${Math.random().toString(36).slice(2)}`)
    cpSync(ZOO_DIR, dir, { recursive: true })
    return dir
  }
  const first = () => {
    const names = Object.keys(manifest.models).sort()
    if (names.length === 0) throw new Error('the zoo is empty')
    return names[0] as string
  }
  const largest = (dir: string) =>
    readdirSync(dir)
      .map((f) => ({ f, size: statSync(join(dir, f)).size }))
      .sort((a, b) => b.size - a.size)[0]!.f

  it('a changed byte is a CHECKSUM_MISMATCH naming the file', async () => {
    const dir = copyZoo()
    const name = first()
    const file = largest(join(dir, name))
    const p = join(dir, name, file)
    const b = readFileSync(p)
    const at = b.length >> 1
    b.writeUInt8((b.readUInt8(at) ^ 1) & 0xff, at)
    writeFileSync(p, b)
    await expect(verifyZoo(manifest, dir)).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      message: expect.stringContaining(`${name}/${file}`),
    })
  })

  it('a truncated file, a missing file and an extra file are refused', async () => {
    const name = first()
    let dir = copyZoo()
    writeFileSync(join(dir, name, 'config.json'), '{}')
    await expect(verifyZoo(manifest, dir)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' })
    dir = copyZoo()
    rmSync(join(dir, name, 'config.json'))
    await expect(verifyZoo(manifest, dir)).rejects.toMatchObject({ code: 'MISSING_FILE' })
    dir = copyZoo()
    writeFileSync(join(dir, name, 'extra.bin'), 'x')
    await expect(verifyZoo(manifest, dir)).rejects.toMatchObject({ code: 'UNLISTED_FILE' })
  })

  it('a manifest that breaks the schema is INVALID_MANIFEST naming the field', async () => {
    const name = first()
    const bad = structuredClone(manifest) as {
      models: Record<string, { files: Record<string, { sha256: string }> }>
    }
    bad.models[name]!.files['config.json']!.sha256 = 'abc'
    expect(() => parseManifest(bad)).toThrow(expect.objectContaining({ code: 'INVALID_MANIFEST' }))
    expect(() => parseManifest(bad)).toThrow(/sha256/)
    const p = join(tmp, 'bad.json')
    writeFileSync(p, '{ not json')
    await expect(readManifest(p)).rejects.toMatchObject({ code: 'INVALID_MANIFEST' })
  })

  it('an unknown model name is UNKNOWN_MODEL listing the known ones', () => {
    expect(() => zooModel('frugal-nope')).toThrow(expect.objectContaining({ code: 'UNKNOWN_MODEL' }))
    expect(() => zooModelDir('frugal-nope', manifest)).toThrow(/known: /)
  })
})
