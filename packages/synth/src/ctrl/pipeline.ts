import { CAPTION_STYLES } from '../captions.ts'
import { elementsOfGraph, type SceneElements } from '../elements.ts'
import { SynthError } from '../errors.ts'
import { encodePng } from '../png.ts'
import { generateQa } from '../qa.ts'
import { createRandom } from '../random.ts'
import { type RgbImage, renderScene } from '../render.ts'
import { randomBackground } from '../scene.ts'
import type { SceneRecord } from '../schema.ts'
import type { Caption } from '../world.ts'
import { checkImage, checkText, type ImageTextScorer, REJECT_REASONS, type RejectReason } from './filter.ts'
import { parseCaption } from './parser.ts'
import { applyPolicy, countFrequencies, type Frequencies, type Policy, PolicyConflict } from './policy.ts'
import { layoutElements, type TextGenerator, templateTextGenerator } from './recompose.ts'
import { oracleTagger, type Tagger } from './tagger.ts'

/** The four synthesis paths of CtrlSynth: where the elements come from → what is generated. */
export const SYNTHESIS_PATHS = ['text-text', 'image-text', 'text-image', 'image-image'] as const
export type SynthesisPath = (typeof SYNTHESIS_PATHS)[number]

export interface CtrlOptions {
  policy: Policy
  path: SynthesisPath
  /** Decomposes images (default: the oracle tagger without errors). */
  tagger?: Tagger
  /** Writes captions (default: the world's templates). */
  textGenerator?: TextGenerator
  /** Keep only samples whose re-decomposition matches the intended elements (default off). */
  filter?: boolean
  /** Share of intended objects the captions must name to pass the text filter (default 1). */
  minTextCoverage?: number
  /** With `minScore`: an image–text model whose score of (image, detailed caption) must reach it. */
  scorer?: ImageTextScorer
  minScore?: number
  /** Value frequencies of the input set, for `rebalance` ops (computed by {@link runCtrlSynth}). */
  frequencies?: Frequencies
}

/** A source sample: its record and, for image paths with a visual tagger, its image. */
export interface CtrlInput {
  record: SceneRecord
  image?: RgbImage
}

/** A synthesised record: the scenes layout plus where it came from and what was intended. */
export interface CtrlRecord extends SceneRecord {
  source: string
  path: SynthesisPath
  /** The edited elements the sample was built to show (what the filter checks against). */
  intended: SceneElements
}

export type CtrlOutcome =
  | { kept: true; record: CtrlRecord; png?: Uint8Array }
  | { kept: false; id: string; reasons: RejectReason[]; message?: string }

const CODES: Record<SynthesisPath, string> = {
  'text-text': 'tt',
  'image-text': 'it',
  'text-image': 'ti',
  'image-image': 'ii',
}

/** Decomposes a source sample along the path's input side. */
async function decompose(input: CtrlInput, path: SynthesisPath, tagger: Tagger): Promise<SceneElements> {
  if (path.startsWith('text')) return parseCaption(...input.record.captions.map((c) => c.text))
  return tagger.tag({
    id: input.record.id,
    graph: input.record.graph,
    ...(input.image && { image: input.image }),
  })
}

/**
 * One CtrlSynth step on one sample: decompose (caption parser or tagger), apply the policy,
 * recompose (captions by the text generator; for image paths, a layout rendered by the renderer),
 * then, with `filter`, decompose the result again and keep it only if it matches the intent.
 */
export async function synthesize(
  input: CtrlInput,
  index: number,
  options: CtrlOptions,
): Promise<CtrlOutcome> {
  const { record } = input
  const id = `${record.id}.${CODES[options.path]}`
  const tagger = options.tagger ?? oracleTagger()
  const generator = options.textGenerator ?? templateTextGenerator
  const random = createRandom(`ctrl/${options.policy.seed}/${options.path}/${record.id}`)
  let intended: SceneElements
  let graph: SceneRecord['graph']
  try {
    const source = await decompose(input, options.path, tagger)
    intended = applyPolicy(source, options.policy, random, options.frequencies)
    const fromImage = options.path.startsWith('image')
    const background = fromImage ? record.graph.background : randomBackground(random)
    graph = layoutElements(
      fromImage ? intended : { ...intended, objects: intended.objects.map(({ position: _, ...o }) => o) },
      { width: record.graph.width, height: record.graph.height, background },
      random,
    )
  } catch (error) {
    if (error instanceof PolicyConflict)
      return { kept: false, id, reasons: [error.reason], message: error.message }
    throw error
  }
  // The layout drew missing sizes and textures: the intent now names them.
  const truth = elementsOfGraph(graph)
  const strip = (e: SceneElements) => ({ ...e, objects: e.objects.map(({ position: _, ...o }) => o) })
  intended = strip({ objects: truth.objects, relations: intended.relations })
  const original = record.captions.map((c) => c.text)
  const captions: Caption[] = []
  for (const style of CAPTION_STYLES)
    captions.push({ style, text: await generator.write(strip(truth), style, random, { original }) })
  // image→text keeps the source image when the policy left its scene as it was (SP1: a new caption for the
  // real image); other text outputs have no image that shows them.
  const unchanged = options.path === 'image-text' && JSON.stringify(graph) === JSON.stringify(record.graph)
  const toImage = options.path.endsWith('image') || unchanged
  const image = toImage ? renderScene(graph) : undefined
  if (options.filter) {
    const reasons = new Set(
      checkText(parseCaption(...captions.map((c) => c.text)), intended, truth, options.minTextCoverage),
    )
    if (image) {
      for (const r of checkImage(await tagger.tag({ id, graph, image }), intended)) reasons.add(r)
      if (options.scorer && options.minScore !== undefined) {
        const detailed = captions.find((c) => c.style === 'detailed')!.text
        if ((await options.scorer.score(image, detailed)) < options.minScore) reasons.add('low-clip-score')
      }
    }
    if (reasons.size > 0) return { kept: false, id, reasons: REJECT_REASONS.filter((r) => reasons.has(r)) }
  }
  const qa = generateQa(graph, index, createRandom(`ctrl/${options.policy.seed}/${id}/qa`))
  const out: CtrlRecord = { id, source: record.id, path: options.path, graph, captions, qa, intended }
  return image ? { kept: true, record: out, png: encodePng(image) } : { kept: true, record: out }
}

/**
 * What a run kept and rejected, by reason (a sample rejected for two reasons counts under both).
 * It holds no timing, so the same run gives the same report byte for byte.
 */
export interface CtrlReport {
  path: SynthesisPath
  policy: Policy
  tagger: string
  textGenerator: string
  filter: boolean
  inputs: number
  kept: number
  rejected: number
  reasons: Record<RejectReason, number>
}

/**
 * Runs CtrlSynth over many samples and reports what was kept and why the rest was rejected.
 * Frequencies for `rebalance` are counted over the inputs' decomposed elements first.
 * @example
 * const policy = parsePolicy({ seed: 1, ops: [{ op: 'remove', where: { shape: 'star' } }] })
 * const { outcomes, report } = await runCtrlSynth(inputs, { policy, path: 'image-image', filter: true })
 */
export async function runCtrlSynth(
  inputs: readonly CtrlInput[],
  options: CtrlOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<{ outcomes: CtrlOutcome[]; report: CtrlReport }> {
  if (!SYNTHESIS_PATHS.includes(options.path))
    throw new SynthError(
      'INVALID_ARGUMENT',
      `path must be one of ${SYNTHESIS_PATHS.join(', ')}, got "${options.path}"`,
      {
        path: 'path',
      },
    )
  const tagger = options.tagger ?? oracleTagger()
  let frequencies = options.frequencies
  if (!frequencies && options.policy.ops.some((op) => op.op === 'rebalance')) {
    const all: SceneElements[] = []
    for (const input of inputs) all.push(await decompose(input, options.path, tagger))
    frequencies = countFrequencies(all)
  }
  const outcomes: CtrlOutcome[] = []
  const reasons = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>
  for (const [i, input] of inputs.entries()) {
    const outcome = await synthesize(input, i, { ...options, tagger, ...(frequencies && { frequencies }) })
    if (!outcome.kept) for (const r of outcome.reasons) reasons[r]++
    outcomes.push(outcome)
    onProgress?.(i + 1, inputs.length)
  }
  const kept = outcomes.filter((o) => o.kept).length
  return {
    outcomes,
    report: {
      path: options.path,
      policy: options.policy,
      tagger: tagger.name,
      textGenerator: (options.textGenerator ?? templateTextGenerator).name,
      filter: options.filter === true,
      inputs: inputs.length,
      kept,
      rejected: inputs.length - kept,
      reasons,
    },
  }
}
