import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { delimiter, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type LoadedModel, ModelError, useWasmKernels, type VitConfig } from '@frugal/models'
import { loadModelDir, loadWasmKernels, resolveModelDir } from '@frugal/models/node'
import { convertIndexedToRgb, decode } from 'fast-png'

/** The zoo's model folders in this checkout (searched when they exist). */
const ZOO_DIRS = [
  fileURLToPath(new URL('../../../zoo/models/', import.meta.url)),
  fileURLToPath(new URL('../../../zoo/', import.meta.url)),
]

/**
 * Folders searched for model names, in order: `--dir` values, then `$FRUGAL_MODELS` (a path list),
 * then the zoo of this checkout.
 */
export function modelRoots(dirs: string | string[] | undefined): string[] {
  const given = dirs === undefined ? [] : Array.isArray(dirs) ? dirs : [dirs]
  const env = process.env.FRUGAL_MODELS ? process.env.FRUGAL_MODELS.split(delimiter).filter(Boolean) : []
  return [
    ...given.map((d) => resolve(d)),
    ...env.map((d) => resolve(d)),
    ...ZOO_DIRS.filter((d) => existsSync(d)),
  ]
}

/** The `--kernels` flag of the model commands. */
export const KERNELS_ARG = {
  type: 'string',
  description: 'wasm (WASM SIMD, default) | ts (the pure-TypeScript reference kernels)',
  valueHint: 'K',
} as const

let kernelsSet = false

/** Run the native runtime on the WASM SIMD kernels (`wasm`, the default) or the TypeScript ones (`ts`). */
export async function setKernels(choice: string | undefined): Promise<void> {
  const k = choice ?? 'wasm'
  if (k !== 'wasm' && k !== 'ts')
    throw new ModelError('INVALID_ARGUMENT', `--kernels must be wasm or ts, got "${k}"`)
  if (k === 'wasm' && !kernelsSet) {
    useWasmKernels(await loadWasmKernels())
    kernelsSet = true
  }
}

/** Load a model by name (searched in `roots`) or by directory. */
export async function loadNamedModel(
  nameOrDir: string,
  roots: string[],
): Promise<LoadedModel & { dir: string }> {
  const dir = await resolveModelDir(nameOrDir, roots)
  return { ...(await loadModelDir(dir)), dir }
}

/**
 * A PNG as the float image `[channels, size, size]` a vision tower takes: RGB(A) 8- or 16-bit,
 * scaled to [0, 1] then normalised with the config's mean and std. Other sizes are refused.
 */
export async function readImage(
  file: string,
  vision: Pick<VitConfig, 'image_size' | 'num_channels' | 'image_mean' | 'image_std'>,
): Promise<Float32Array> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (cause) {
    throw new ModelError('INVALID_ARGUMENT', `--image ${file} cannot be read`, { cause })
  }
  let png: ReturnType<typeof decode>
  try {
    png = decode(bytes)
  } catch (cause) {
    throw new ModelError('INVALID_ARGUMENT', `--image ${file} is not a PNG: ${(cause as Error).message}`, {
      cause,
    })
  }
  const size = vision.image_size
  if (png.width !== size || png.height !== size) {
    throw new ModelError(
      'INVALID_ARGUMENT',
      `--image ${file} is ${png.width}×${png.height}; the model takes ${size}×${size}`,
    )
  }
  const channels = vision.num_channels
  // A palette PNG becomes RGB(A) 8-bit; grey PNGs of 1–4 bits are refused rather than guessed at.
  const pixels = png.palette ? convertIndexedToRgb(png) : png.data
  const stride = png.palette ? (png.transparency ? 4 : 3) : png.channels
  if (!png.palette && png.depth < 8) {
    throw new ModelError('INVALID_ARGUMENT', `--image ${file} has ${png.depth}-bit samples; 8 or 16 are read`)
  }
  const max = png.depth === 16 && !png.palette ? 65535 : 255
  const mean = vision.image_mean ?? new Array(channels).fill(0.5)
  const std = vision.image_std ?? new Array(channels).fill(0.5)
  const out = new Float32Array(channels * size * size)
  for (let c = 0; c < channels; c++) {
    // A grey PNG (with or without alpha) feeds its one channel to every input channel.
    const src = stride >= 3 ? c : 0
    for (let i = 0; i < size * size; i++) {
      const v = (pixels[i * stride + src]! as number) / max
      out[c * size * size + i] = (v - mean[c]!) / std[c]!
    }
  }
  return out
}

/** Print a refused input as `frugal <cmd>: message [CODE]` (or JSON with `--json`) and exit 1. */
export async function modelGuarded(command: string, json: boolean, body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (error) {
    const e = error as { code?: unknown; message?: string; name?: string }
    if (error instanceof Error && typeof e.code === 'string' && /Error$/.test(error.name)) {
      if (json) console.error(JSON.stringify({ error: { code: e.code, message: error.message } }))
      else console.error(`frugal ${command}: ${error.message} [${e.code}]`)
      process.exitCode = 1
      return
    }
    throw error
  }
}

/** Every value of a repeatable flag (`--dir a --dir b`, `--dir=a`), in order; citty keeps only the last. */
export function repeated(rawArgs: readonly string[], flag: string): string[] {
  const out: string[] = []
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!
    if (a === '--') break
    if (a === `--${flag}`) {
      const v = rawArgs[i + 1]
      if (v === undefined) throw new ModelError('INVALID_ARGUMENT', `--${flag} needs a value`)
      out.push(v)
      i++
    } else if (a.startsWith(`--${flag}=`)) out.push(a.slice(flag.length + 3))
  }
  return out
}

/** A number flag in [min, max] (refused with INVALID_ARGUMENT naming the flag). */
export function numberFlag(
  value: string | undefined,
  flag: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new ModelError('INVALID_ARGUMENT', `--${flag} must be a number in [${min}, ${max}], got "${value}"`)
  }
  return n
}

/** An integer flag in [min, max]. */
export function intFlag(
  value: string | undefined,
  flag: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const n = numberFlag(value, flag, min, max, fallback)
  if (!Number.isInteger(n))
    throw new ModelError('INVALID_ARGUMENT', `--${flag} must be an integer, got "${value}"`)
  return n
}
