import { SynthError } from './errors.ts'
import type { Random } from './random.ts'
import { deriveRelations, type Relation } from './relations.ts'
import {
  COLOURS,
  type Colour,
  SHAPES,
  type Shape,
  SIZE_RADIUS,
  SIZES,
  type Size,
  TEXTURES,
  type Texture,
} from './vocab.ts'

/** One object of a scene. Positions are the centre as fractions of width and height. */
export interface SceneObject {
  /** Its index in `objects`, which is also the drawing order (later objects occlude earlier ones). */
  id: number
  shape: Shape
  colour: Colour
  size: Size
  texture: Texture
  x: number
  y: number
  /** Rotation of the outline (and of stripes) in radians. */
  rotation: number
}

export const BACKGROUND_PATTERNS = ['noise', 'gradient', 'checker', 'waves'] as const
export type BackgroundPattern = (typeof BACKGROUND_PATTERNS)[number]

/** A low-saturation mid-tone background with a texture, drawn before the objects. */
export interface Background {
  tone: [number, number, number]
  pattern: BackgroundPattern
  /** Peak deviation from the tone, 0–255. */
  amplitude: number
  /** Pattern period in pixels (checker, waves) and direction in radians (gradient, waves). */
  period: number
  angle: number
  /** Seeds the pixel noise and each object's colour jitter, so that a graph renders the same everywhere. */
  seed: number
}

/**
 * Everything true about one scene: the renderer draws it, captions and questions are read off it,
 * and CtrlSynth policies edit it. `(colour, shape)` is unique within a scene, so "the red star" always
 * names one object.
 */
export interface SceneGraph {
  width: number
  height: number
  background: Background
  objects: SceneObject[]
  relations: Relation[]
}

/** A shape–colour pair, the unit of the long-tail and hold-out knobs. */
export interface Combo {
  colour: Colour
  shape: Shape
}

export const comboKey = (c: Combo): string => `${c.colour} ${c.shape}`

/** The attributes of an object before it is placed. */
export type ObjectSpec = Omit<SceneObject, 'id' | 'x' | 'y' | 'rotation'> & {
  x?: number
  y?: number
  rotation?: number
}

/** Object centres keep at least this fraction of the sum of their radii apart, so no object is mostly hidden. */
export const MIN_SEPARATION = 0.85
const PLACEMENT_TRIES = 400

/** A seeded background. */
export function randomBackground(random: Random): Background {
  const base = random.range(105, 165)
  const tint = () => Math.round(base + random.range(-14, 14))
  return {
    tone: [tint(), tint(), tint()],
    pattern: random.pick(BACKGROUND_PATTERNS),
    amplitude: round4(random.range(8, 20)),
    period: round4(random.range(6, 18)),
    angle: round4(random.range(0, Math.PI)),
    seed: random.int(0x7fffffff),
  }
}

/** True when an object of `size` at (x, y) keeps its distance from every placed object and the border. */
export function fits(
  placed: readonly Pick<SceneObject, 'x' | 'y' | 'size'>[],
  x: number,
  y: number,
  size: Size,
  width: number,
  height: number,
): boolean {
  const side = Math.min(width, height)
  const r = SIZE_RADIUS[size]
  const px = (x * width) / side
  const py = (y * height) / side
  if (px < r || py < r || px > width / side - r || py > height / side - r) return false
  for (const o of placed) {
    const d = Math.hypot(px - (o.x * width) / side, py - (o.y * height) / side)
    if (d < MIN_SEPARATION * (r + SIZE_RADIUS[o.size])) return false
  }
  return true
}

/** A free position for an object of `size`, or undefined when none was found. */
export function findPlace(
  placed: readonly Pick<SceneObject, 'x' | 'y' | 'size'>[],
  size: Size,
  width: number,
  height: number,
  random: Random,
): { x: number; y: number } | undefined {
  for (let t = 0; t < PLACEMENT_TRIES; t++) {
    const x = random.next()
    const y = random.next()
    if (fits(placed, x, y, size, width, height)) return { x: round4(x), y: round4(y) }
  }
  return undefined
}

/** Positions are kept to 4 decimals so that JSON round trips are exact. */
export const round4 = (v: number): number => Math.round(v * 10000) / 10000

/**
 * Places objects (keeping given positions), gives each a rotation when it has none, and derives
 * the relations. Throws UNSATISFIABLE when an object finds no room.
 */
export function buildGraph(
  specs: readonly ObjectSpec[],
  options: { width: number; height: number; background: Background },
  random: Random,
): SceneGraph {
  const { width, height } = options
  const objects: SceneObject[] = []
  for (const spec of specs) {
    let x = spec.x
    let y = spec.y
    if (x === undefined || y === undefined) {
      const place = findPlace(objects, spec.size, width, height, random)
      if (place === undefined)
        throw new SynthError('UNSATISFIABLE', `no room for a ${spec.size} object among ${objects.length}`)
      x = place.x
      y = place.y
    }
    const rotation = spec.rotation ?? round4(random.range(0, 2 * Math.PI))
    objects.push({
      id: objects.length,
      shape: spec.shape,
      colour: spec.colour,
      size: spec.size,
      texture: spec.texture,
      x,
      y,
      rotation,
    })
  }
  return {
    width,
    height,
    background: options.background,
    objects,
    relations: deriveRelations(objects, width, height),
  }
}

/** Every shape–colour combination, in a fixed order. */
export const ALL_COMBOS: readonly Combo[] = COLOURS.flatMap((colour) =>
  SHAPES.map((shape) => ({ colour, shape })),
)

/**
 * Draws the objects of a scene: `count` distinct combos drawn with `weights` (over {@link ALL_COMBOS},
 * zero for excluded ones), sizes and textures uniform.
 */
export function drawSpecs(count: number, weights: readonly number[], random: Random): ObjectSpec[] {
  const w = [...weights]
  const out: ObjectSpec[] = []
  for (let i = 0; i < count; i++) {
    const k = random.weighted(w)
    const combo = ALL_COMBOS[k]!
    w[k] = 0
    out.push({ ...combo, size: random.pick(SIZES), texture: random.pick(TEXTURES) })
  }
  return out
}
