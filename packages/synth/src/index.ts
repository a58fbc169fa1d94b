export { CAPTION_STYLES, type CaptionStyle, MAX_CAPTION_RELATIONS, writeCaption } from './captions.ts'
export {
  checkImage,
  checkText,
  type ImageTextScorer,
  REJECT_REASONS,
  type RejectReason,
} from './ctrl/filter.ts'
export { parseCaption } from './ctrl/parser.ts'
export {
  type CtrlInput,
  type CtrlOptions,
  type CtrlOutcome,
  type CtrlRecord,
  type CtrlReport,
  runCtrlSynth,
  SYNTHESIS_PATHS,
  type SynthesisPath,
  synthesize,
} from './ctrl/pipeline.ts'
export {
  applyPolicy,
  countFrequencies,
  type Frequencies,
  type Policy,
  PolicyConflict,
  type PolicyOp,
  parsePolicy,
  policySchema,
} from './ctrl/policy.ts'
export { layoutElements, type TextGenerator, templateTextGenerator } from './ctrl/recompose.ts'
export { type OracleTaggerOptions, oracleTagger, type Tagger, type TagInput } from './ctrl/tagger.ts'
export { type ElementObject, type ElementRelation, elementsOfGraph, type SceneElements } from './elements.ts'
export { SynthError, type SynthErrorCode } from './errors.ts'
export { factWorldFiles } from './fact-files.ts'
export {
  type AnswerSpan,
  ENTITY_TYPES,
  type EntityType,
  FACT_WORLD_VERSION,
  type FactDocument,
  type FactEntity,
  type FactQuestion,
  type FactWorld,
  type FactWorldOptions,
  factValue,
  generateFactWorld,
  LINKS,
} from './facts.ts'
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
export { objectColours, type RenderResult, type RgbImage, renderScene, toRgba } from './render.ts'
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
export {
  issuePath,
  parseSceneRecord,
  type SceneRecord,
  sceneGraphSchema,
  sceneRecordSchema,
} from './schema.ts'
export { insideShape } from './shapes.ts'
export { allVisible, MIN_VISIBLE, visibleFractions } from './visibility.ts'
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
