export { CAPTION_STYLES, type CaptionStyle, MAX_CAPTION_RELATIONS, writeCaption } from './captions.ts'
export { type ElementObject, type ElementRelation, elementsOfGraph, type SceneElements } from './elements.ts'
export { SynthError, type SynthErrorCode } from './errors.ts'
export { decodePng, encodePng } from './png.ts'
export {
  type Descriptor,
  generateQa,
  matches,
  phrase,
  plural,
  QA_TYPES,
  type QaItem,
  type QaType,
  YES_NO_TYPES,
} from './qa.ts'
export { createRandom, hashString, type Random } from './random.ts'
export {
  AXIS_MARGIN,
  clearlyApart,
  deriveRelations,
  NEXT_TO_GAP,
  opposite,
  predicatesBetween,
  type Relation,
} from './relations.ts'
export { objectColours, type RenderResult, type RgbImage, renderScene } from './render.ts'
export {
  ALL_COMBOS,
  BACKGROUND_PATTERNS,
  type Background,
  type BackgroundPattern,
  buildGraph,
  type Combo,
  comboKey,
  findPlace,
  MIN_SEPARATION,
  type ObjectSpec,
  type SceneGraph,
  type SceneObject,
} from './scene.ts'
export { insideShape } from './shapes.ts'
export {
  ATTRIBUTES,
  type Attribute,
  COLOURS,
  type Colour,
  PALETTE,
  PREDICATE_WORDS,
  PREDICATES,
  type Predicate,
  SHAPES,
  type Shape,
  SIZE_RADIUS,
  SIZE_WORDS,
  SIZES,
  type Size,
  TEXTURE_WORDS,
  TEXTURES,
  type Texture,
  VALUES,
} from './vocab.ts'
export {
  type Caption,
  comboWeights,
  generateGraph,
  generateSample,
  parseCombo,
  type ResolvedWorldOptions,
  resolveWorldOptions,
  type SampleKey,
  SCENE_WORLD_VERSION,
  type SceneSample,
  type SceneWorldOptions,
  SPLITS,
  type Split,
  sampleId,
} from './world.ts'
