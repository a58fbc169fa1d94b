import type { SceneObject } from './scene.ts'
import { insideShape } from './shapes.ts'
import { SIZE_RADIUS } from './vocab.ts'

/** Every object must show at least this share of its own outline, so every label can be seen. */
export const MIN_VISIBLE = 0.3
const GRID = 12

/**
 * The share of each object's outline that no later object covers, estimated on a 12 × 12 grid of
 * points over the object's circle (the renderer draws later objects on top).
 */
export function visibleFractions(objects: readonly SceneObject[], width: number, height: number): number[] {
  const side = Math.min(width, height)
  const frames = objects.map((o) => ({
    o,
    cx: o.x * width,
    cy: o.y * height,
    r: SIZE_RADIUS[o.size] * side,
    cos: Math.cos(o.rotation),
    sin: Math.sin(o.rotation),
  }))
  const covers = (f: (typeof frames)[number], px: number, py: number) => {
    const dx = px - f.cx
    const dy = py - f.cy
    return insideShape(f.o.shape, (dx * f.cos + dy * f.sin) / f.r, (-dx * f.sin + dy * f.cos) / f.r)
  }
  return frames.map((f, i) => {
    let own = 0
    let shown = 0
    for (let gy = 0; gy < GRID; gy++)
      for (let gx = 0; gx < GRID; gx++) {
        const px = f.cx + f.r * ((2 * (gx + 0.5)) / GRID - 1)
        const py = f.cy + f.r * ((2 * (gy + 0.5)) / GRID - 1)
        if (!covers(f, px, py)) continue
        own++
        let hidden = false
        for (let j = i + 1; j < frames.length && !hidden; j++) hidden = covers(frames[j]!, px, py)
        if (!hidden) shown++
      }
    return own === 0 ? 0 : shown / own
  })
}

/** True when every object shows at least {@link MIN_VISIBLE} of its outline. */
export function allVisible(objects: readonly SceneObject[], width: number, height: number): boolean {
  return visibleFractions(objects, width, height).every((v) => v >= MIN_VISIBLE)
}
