import { decodePng, type RgbImage, renderScene, SynthError, sceneGraphSchema } from '@frugal/synth'
import { ApiError, invalid } from '@frugal/worker-shared'
import { MAX_IMAGE_BYTES } from './schemas.ts'

/** The vision tower's input: size and normalisation. */
export interface VisionInput {
  image_size: number
  num_channels: number
  image_mean?: number[] | null | undefined
  image_std?: number[] | null | undefined
}

function fromBase64(text: string): Uint8Array {
  let raw: string
  try {
    raw = atob(text.replace(/\s+/g, ''))
  } catch {
    throw invalid('image', 'is not valid base64')
  }
  return Uint8Array.from(raw, (c) => c.charCodeAt(0))
}

/** Checks and decodes a PNG (bytes, or base64 text) of the model's size; the field at fault is `image`. */
export function imageFromPng(data: Uint8Array | string, vision: VisionInput): RgbImage {
  const bytes = typeof data === 'string' ? fromBase64(data) : data
  if (bytes.byteLength > MAX_IMAGE_BYTES) {
    throw new ApiError(
      413,
      'PAYLOAD_TOO_LARGE',
      `image: ${bytes.byteLength} bytes; at most ${MAX_IMAGE_BYTES}`,
      {
        field: 'image',
      },
    )
  }
  let image: RgbImage
  try {
    image = decodePng(bytes)
  } catch (err) {
    if (err instanceof SynthError) throw invalid('image', err.message)
    throw err
  }
  checkSize(image, vision, 'image')
  return image
}

/** Renders a @frugal/synth scene graph; every invalid field is named as `scene.<path>`. */
export function imageFromScene(scene: unknown, vision: VisionInput): RgbImage {
  const parsed = sceneGraphSchema.safeParse(scene)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const field = ['scene', ...issue.path.map(String)].join('.')
    throw invalid(field, issue.message)
  }
  checkSize(parsed.data, vision, 'scene')
  return renderScene(parsed.data)
}

function checkSize(image: { width: number; height: number }, vision: VisionInput, field: string): void {
  const size = vision.image_size
  if (image.width !== size || image.height !== size) {
    throw invalid(field, `is ${image.width}×${image.height}; the model takes ${size}×${size}`)
  }
}

/** Channel-first pixels normalised with the model's mean and std. */
export function toPixels(image: RgbImage, vision: VisionInput): Float32Array {
  const size = vision.image_size
  const channels = vision.num_channels
  const mean = vision.image_mean ?? new Array(channels).fill(0.5)
  const std = vision.image_std ?? new Array(channels).fill(0.5)
  const out = new Float32Array(channels * size * size)
  for (let c = 0; c < channels; c++) {
    const src = Math.min(c, 2)
    for (let i = 0; i < size * size; i++) {
      out[c * size * size + i] = (image.data[3 * i + src]! / 255 - mean[c]!) / std[c]!
    }
  }
  return out
}
