import { decode, encode } from 'fast-png'
import { SynthError } from './errors.ts'
import type { RgbImage } from './render.ts'

/** Encodes an RGB image as an 8-bit PNG (fast-png, deflate by fflate); the same image gives the same bytes. */
export function encodePng(image: RgbImage): Uint8Array {
  if (image.data.length !== image.width * image.height * 3)
    throw new SynthError(
      'INVALID_ARGUMENT',
      `image data has ${image.data.length} bytes, expected ${image.width}×${image.height}×3`,
    )
  return encode({ width: image.width, height: image.height, data: image.data, channels: 3, depth: 8 })
}

/** Decodes an 8-bit RGB or RGBA PNG to RGB; refuses anything else with INVALID_PNG. */
export function decodePng(bytes: Uint8Array): RgbImage {
  let png: ReturnType<typeof decode>
  try {
    png = decode(bytes)
  } catch (error) {
    throw new SynthError('INVALID_PNG', `not a PNG: ${(error as Error).message}`, { cause: error })
  }
  if (png.depth !== 8 || (png.channels !== 3 && png.channels !== 4) || png.palette)
    throw new SynthError(
      'INVALID_PNG',
      `expected an 8-bit RGB(A) PNG, got ${png.channels} channels of ${png.depth} bits`,
    )
  const n = png.width * png.height
  const data = new Uint8Array(n * 3)
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[3 * i + c] = png.data[png.channels * i + c]!
  return { width: png.width, height: png.height, data }
}
