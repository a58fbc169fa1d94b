/** The shapes of the scene world; each has a renderer outline in `shapes.ts`. */
export const SHAPES = [
  'circle',
  'square',
  'triangle',
  'star',
  'hexagon',
  'pentagon',
  'diamond',
  'cross',
  'ring',
] as const
/** The colours of the scene world, with their base RGB in {@link PALETTE}. */
export const COLOURS = [
  'red',
  'orange',
  'yellow',
  'green',
  'blue',
  'purple',
  'pink',
  'brown',
  'black',
  'white',
] as const
export const SIZES = ['small', 'medium', 'large'] as const
export const TEXTURES = ['solid', 'striped', 'dotted'] as const
/** The spatial relations, derived from positions (see `relations.ts`). */
export const PREDICATES = ['left of', 'right of', 'above', 'below', 'next to'] as const

export type Shape = (typeof SHAPES)[number]
export type Colour = (typeof COLOURS)[number]
export type Size = (typeof SIZES)[number]
export type Texture = (typeof TEXTURES)[number]
export type Predicate = (typeof PREDICATES)[number]
/** An attribute that policies and questions address. */
export type Attribute = 'shape' | 'colour' | 'size' | 'texture'
export const ATTRIBUTES = ['shape', 'colour', 'size', 'texture'] as const

/** The values of each attribute. */
export const VALUES: { readonly [A in Attribute]: readonly string[] } = {
  shape: SHAPES,
  colour: COLOURS,
  size: SIZES,
  texture: TEXTURES,
}

/** Base sRGB of each colour; the renderer jitters it per object. */
export const PALETTE: Readonly<Record<Colour, readonly [number, number, number]>> = {
  red: [214, 39, 40],
  orange: [247, 140, 25],
  yellow: [240, 215, 35],
  green: [44, 160, 60],
  blue: [35, 85, 215],
  purple: [135, 60, 185],
  pink: [245, 135, 190],
  brown: [125, 75, 35],
  black: [22, 22, 22],
  white: [245, 245, 245],
}

/** Object radius as a fraction of the image's shorter side. */
export const SIZE_RADIUS: Readonly<Record<Size, number>> = { small: 0.075, medium: 0.11, large: 0.155 }

export const PLURAL: Readonly<Record<Shape, string>> = {
  circle: 'circles',
  square: 'squares',
  triangle: 'triangles',
  star: 'stars',
  hexagon: 'hexagons',
  pentagon: 'pentagons',
  diamond: 'diamonds',
  cross: 'crosses',
  ring: 'rings',
}

/** Words that captions may use for a size; the first is the canonical one used in questions. */
export const SIZE_WORDS: Readonly<Record<Size, readonly string[]>> = {
  small: ['small', 'tiny', 'little'],
  medium: ['medium', 'medium-sized', 'mid-sized'],
  large: ['large', 'big', 'huge'],
}

/** Words that captions may use for a texture; solid objects are often left unqualified. */
export const TEXTURE_WORDS: Readonly<Record<Texture, readonly string[]>> = {
  solid: ['solid', 'plain'],
  striped: ['striped'],
  dotted: ['dotted', 'spotted'],
}

/** Phrases that captions may use for a predicate; the first is the canonical one used in questions. */
export const PREDICATE_WORDS: Readonly<Record<Predicate, readonly string[]>> = {
  'left of': ['left of', 'to the left of', 'on the left of'],
  'right of': ['right of', 'to the right of', 'on the right of'],
  above: ['above', 'over'],
  below: ['below', 'under', 'beneath'],
  'next to': ['next to', 'beside'],
}

export const NUMBER_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'] as const

/** `a` or `an` for the word that follows. */
export function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a'
}
