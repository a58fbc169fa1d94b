import type { Shape } from './vocab.ts'

type Polygon = Float64Array // x0, y0, x1, y1, ...

function regular(n: number, radius: number, phase: number): Polygon {
  const p = new Float64Array(2 * n)
  for (let i = 0; i < n; i++) {
    const a = phase + (2 * Math.PI * i) / n
    p[2 * i] = radius * Math.cos(a)
    p[2 * i + 1] = radius * Math.sin(a)
  }
  return p
}

function star(points: number, outer: number, inner: number): Polygon {
  const p = new Float64Array(4 * points)
  for (let i = 0; i < 2 * points; i++) {
    const a = -Math.PI / 2 + (Math.PI * i) / points
    const r = i % 2 === 0 ? outer : inner
    p[2 * i] = r * Math.cos(a)
    p[2 * i + 1] = r * Math.sin(a)
  }
  return p
}

const CROSS_ARM = 0.3
const CROSS_REACH = 0.95
const POLYGONS: Partial<Record<Shape, Polygon>> = {
  square: regular(4, 1, Math.PI / 4),
  triangle: regular(3, 1, -Math.PI / 2),
  star: star(5, 1, 0.45),
  hexagon: regular(6, 0.95, 0),
  pentagon: regular(5, 0.95, -Math.PI / 2),
  diamond: new Float64Array([0, -1, 0.62, 0, 0, 1, -0.62, 0]),
  // biome-ignore format: one vertex a line would hide the outline
  cross: new Float64Array([
    -CROSS_ARM, -CROSS_REACH, CROSS_ARM, -CROSS_REACH, CROSS_ARM, -CROSS_ARM, CROSS_REACH, -CROSS_ARM,
    CROSS_REACH, CROSS_ARM, CROSS_ARM, CROSS_ARM, CROSS_ARM, CROSS_REACH, -CROSS_ARM, CROSS_REACH,
    -CROSS_ARM, CROSS_ARM, -CROSS_REACH, CROSS_ARM, -CROSS_REACH, -CROSS_ARM, -CROSS_ARM, -CROSS_ARM,
  ]),
}

const CIRCLE_R2 = 0.9 * 0.9
const RING_OUTER2 = 0.92 * 0.92
const RING_INNER2 = 0.55 * 0.55

/** Even-odd crossing test. */
function inPolygon(p: Polygon, u: number, v: number): boolean {
  let inside = false
  const n = p.length / 2
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = p[2 * i]!
    const yi = p[2 * i + 1]!
    const xj = p[2 * j]!
    const yj = p[2 * j + 1]!
    if (yi > v !== yj > v && u < ((xj - xi) * (v - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

/**
 * Whether the point (u, v) of the object's own frame (centre at 0, radius 1, unrotated) lies inside
 * the outline of `shape`. Every outline fits in the unit circle.
 */
export function insideShape(shape: Shape, u: number, v: number): boolean {
  const r2 = u * u + v * v
  if (r2 > 1) return false
  if (shape === 'circle') return r2 <= CIRCLE_R2
  if (shape === 'ring') return r2 <= RING_OUTER2 && r2 >= RING_INNER2
  return inPolygon(POLYGONS[shape]!, u, v)
}
