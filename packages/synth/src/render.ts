import { checkInt } from './errors.ts'
import { createRandom } from './random.ts'
import type { Background, SceneGraph, SceneObject } from './scene.ts'
import { insideShape } from './shapes.ts'
import { PALETTE, SIZE_RADIUS } from './vocab.ts'

/** An 8-bit RGB image, rows top to bottom, `data.length === width * height * 3`. */
export interface RgbImage {
  width: number
  height: number
  data: Uint8Array
}

/** A render plus, per pixel, which object covers most of it (id + 1; 0 for background). */
export interface RenderResult extends RgbImage {
  ids: Uint8Array
}

/** Sub-samples per pixel side: 4 × 4 coverage levels for anti-aliased edges and stripes. */
const SUPER = 4
/** Per-pixel sensor noise, ± this many levels, applied after the objects. */
const PIXEL_NOISE = 4
/** Per-channel colour jitter of each object, ± this fraction of its base colour. */
const COLOUR_JITTER = 0.07

/**
 * Renders a scene graph: textured background, objects in id order (later ones occlude earlier
 * ones) with 16-sample anti-aliasing, per-object colour jitter and per-pixel noise. The result
 * depends only on the graph, so the same graph gives the same bytes in every runtime.
 * @example
 * const image = renderScene(sample.graph)
 * const png = encodePng(image)
 */
export function renderScene(graph: SceneGraph): RenderResult {
  const { width, height } = graph
  checkInt(width, 'width', 8, 2048)
  checkInt(height, 'height', 8, 2048)
  const buffer = new Float32Array(width * height * 3)
  const ids = new Uint8Array(width * height)
  paintBackground(buffer, width, height, graph.background)
  for (const object of graph.objects) paintObject(buffer, ids, width, height, object, graph.background.seed)
  const noise = createRandom(`${graph.background.seed}/pixels`)
  const data = new Uint8Array(buffer.length)
  for (let p = 0; p < width * height; p++) {
    const n = (noise.next() * 2 - 1) * PIXEL_NOISE
    for (let c = 0; c < 3; c++) {
      const v = Math.round(buffer[3 * p + c]! + n)
      data[3 * p + c] = v < 0 ? 0 : Math.min(v, 255)
    }
  }
  return { width, height, data, ids }
}

function paintBackground(buffer: Float32Array, width: number, height: number, bg: Background): void {
  const random = createRandom(`${bg.seed}/background`)
  // Value noise: random levels on a coarse lattice, interpolated bilinearly.
  const cell = Math.max(4, bg.period)
  const gw = Math.ceil(width / cell) + 2
  const gh = Math.ceil(height / cell) + 2
  const lattice = new Float32Array(gw * gh)
  for (let i = 0; i < lattice.length; i++) lattice[i] = random.next() * 2 - 1
  const cos = Math.cos(bg.angle)
  const sin = Math.sin(bg.angle)
  const diag = Math.hypot(width, height)
  const at = (i: number, j: number) => lattice[j * gw + i]!
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let d: number
      if (bg.pattern === 'noise') {
        const gx = x / cell
        const gy = y / cell
        const ix = Math.floor(gx)
        const iy = Math.floor(gy)
        const fx = gx - ix
        const fy = gy - iy
        d =
          (at(ix, iy) * (1 - fx) + at(ix + 1, iy) * fx) * (1 - fy) +
          (at(ix, iy + 1) * (1 - fx) + at(ix + 1, iy + 1) * fx) * fy
      } else if (bg.pattern === 'gradient') {
        d = (2 * ((x - width / 2) * cos + (y - height / 2) * sin)) / diag
      } else if (bg.pattern === 'checker') {
        d = (Math.floor(x / bg.period) + Math.floor(y / bg.period)) % 2 === 0 ? 0.6 : -0.6
      } else {
        d = Math.sin((2 * Math.PI * (x * cos + y * sin)) / bg.period)
      }
      const p = 3 * (y * width + x)
      for (let c = 0; c < 3; c++) buffer[p + c] = bg.tone[c]! + bg.amplitude * d
    }
}

/** The colour of an object after jitter, and the contrasting shade its stripes or dots use. */
export function objectColours(
  object: Pick<SceneObject, 'colour' | 'shape'>,
  seed: number,
): { fill: [number, number, number]; shade: [number, number, number] } {
  // Keyed by colour and shape (unique in a scene), not by id: removing one object leaves the others' colours alone.
  const random = createRandom(`${seed}/${object.colour} ${object.shape}`)
  const base = PALETTE[object.colour]
  const fill = base.map((v) => clamp(v * (1 + (random.next() * 2 - 1) * COLOUR_JITTER))) as [
    number,
    number,
    number,
  ]
  const luminance = 0.299 * fill[0] + 0.587 * fill[1] + 0.114 * fill[2]
  const shade = fill.map((v) => (luminance > 90 ? v * 0.5 : v + (255 - v) * 0.55)) as [number, number, number]
  return { fill, shade }
}

function paintObject(
  buffer: Float32Array,
  ids: Uint8Array,
  width: number,
  height: number,
  object: SceneObject,
  seed: number,
): void {
  const radius = SIZE_RADIUS[object.size] * Math.min(width, height)
  const cx = object.x * width
  const cy = object.y * height
  const cos = Math.cos(object.rotation)
  const sin = Math.sin(object.rotation)
  const { fill, shade } = objectColours(object, seed)
  const stripe = Math.max(2.5, radius * 0.42)
  const dotGrid = Math.max(3.5, radius * 0.5)
  const x0 = Math.max(0, Math.floor(cx - radius - 1))
  const x1 = Math.min(width - 1, Math.ceil(cx + radius + 1))
  const y0 = Math.max(0, Math.floor(cy - radius - 1))
  const y1 = Math.min(height - 1, Math.ceil(cy + radius + 1))
  const samples = SUPER * SUPER
  for (let py = y0; py <= y1; py++)
    for (let px = x0; px <= x1; px++) {
      let covered = 0
      let r = 0
      let g = 0
      let b = 0
      for (let sy = 0; sy < SUPER; sy++)
        for (let sx = 0; sx < SUPER; sx++) {
          const dx = px + (sx + 0.5) / SUPER - cx
          const dy = py + (sy + 0.5) / SUPER - cy
          // Into the object's frame: unrotate, then scale to the unit outline.
          const lu = dx * cos + dy * sin
          const lv = -dx * sin + dy * cos
          if (!insideShape(object.shape, lu / radius, lv / radius)) continue
          covered++
          let marked = false
          if (object.texture === 'striped') marked = Math.floor(lu / stripe + 100) % 2 === 1
          else if (object.texture === 'dotted') {
            const gu = lu / dotGrid - Math.round(lu / dotGrid)
            const gv = lv / dotGrid - Math.round(lv / dotGrid)
            marked = gu * gu + gv * gv < 0.09
          }
          const c = marked ? shade : fill
          r += c[0]
          g += c[1]
          b += c[2]
        }
      if (covered === 0) continue
      const p = 3 * (py * width + px)
      const keep = 1 - covered / samples
      buffer[p] = buffer[p]! * keep + r / samples
      buffer[p + 1] = buffer[p + 1]! * keep + g / samples
      buffer[p + 2] = buffer[p + 2]! * keep + b / samples
      if (covered * 2 >= samples) ids[py * width + px] = object.id + 1
    }
}

const clamp = (v: number): number => (v < 0 ? 0 : Math.min(v, 255))

/**
 * The image as RGBA with opaque alpha, the layout of a browser `ImageData`:
 * `new ImageData(toRgba(image), image.width, image.height)`.
 */
export function toRgba(image: RgbImage): Uint8ClampedArray {
  const n = image.width * image.height
  const out = new Uint8ClampedArray(n * 4)
  for (let i = 0; i < n; i++) {
    out[4 * i] = image.data[3 * i]!
    out[4 * i + 1] = image.data[3 * i + 1]!
    out[4 * i + 2] = image.data[3 * i + 2]!
    out[4 * i + 3] = 255
  }
  return out
}
