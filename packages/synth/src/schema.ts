import { z } from 'zod'
import { CAPTION_STYLES } from './captions.ts'
import { SynthError } from './errors.ts'
import { QA_TYPES } from './qa.ts'
import { BACKGROUND_PATTERNS, type SceneGraph } from './scene.ts'
import { COLOURS, PREDICATES, SHAPES, SIZES, TEXTURES } from './vocab.ts'
import type { SceneSample } from './world.ts'

const unit = z.number().min(0).max(1)
const channel = z.number().int().min(0).max(255)

export const sceneObjectSchema = z.strictObject({
  id: z.number().int().min(0).max(254),
  shape: z.enum(SHAPES),
  colour: z.enum(COLOURS),
  size: z.enum(SIZES),
  texture: z.enum(TEXTURES),
  x: unit,
  y: unit,
  rotation: z.number().min(-100).max(100),
})

/** A scene graph as read from a file: every field checked, ids equal to positions, relations between existing objects. */
export const sceneGraphSchema = z
  .strictObject({
    width: z.number().int().min(8).max(2048),
    height: z.number().int().min(8).max(2048),
    background: z.strictObject({
      tone: z.tuple([channel, channel, channel]),
      pattern: z.enum(BACKGROUND_PATTERNS),
      amplitude: z.number().min(0).max(128),
      period: z.number().min(1).max(1024),
      angle: z.number().min(-100).max(100),
      seed: z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1),
    }),
    objects: z.array(sceneObjectSchema).max(255),
    relations: z.array(
      z.strictObject({ subject: z.number().int(), predicate: z.enum(PREDICATES), object: z.number().int() }),
    ),
  })
  .superRefine((g, ctx) => {
    g.objects.forEach((o, i) => {
      if (o.id !== i) ctx.addIssue({ code: 'custom', path: ['objects', i, 'id'], message: `expected ${i}` })
    })
    g.relations.forEach((r, i) => {
      for (const end of ['subject', 'object'] as const)
        if (r[end] < 0 || r[end] >= g.objects.length)
          ctx.addIssue({ code: 'custom', path: ['relations', i, end], message: 'no such object' })
    })
  })

/** One line of `scenes.jsonl`: a sample of the scene world or of a CtrlSynth run. */
export const sceneRecordSchema = z.looseObject({
  id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\w.-]+$/, 'letters, digits, "_", "-" and "." only'),
  graph: sceneGraphSchema,
  captions: z.array(
    z.strictObject({
      style: z.enum(CAPTION_STYLES),
      text: z.string(),
      noise: z.enum(['misaligned', 'partial']).optional(),
    }),
  ),
  qa: z.array(z.strictObject({ question: z.string(), answer: z.string(), type: z.enum(QA_TYPES) })),
  image: z.string().nullable().optional(),
})

/** A record of `scenes.jsonl`: the sample fields that every producer writes, plus `image` (relative path or null). */
export type SceneRecord = Pick<SceneSample, 'id' | 'captions' | 'qa'> & {
  graph: SceneGraph
  image?: string | null
}

/** The dotted path of a zod issue: `graph.objects[2].colour`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, p) => (typeof p === 'number' ? `${out}[${p}]` : out === '' ? String(p) : `${out}.${String(p)}`),
    '',
  )
}

/** The first issue of a zod error as a dotted path and a message. */
export function schemaIssue(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0]!
  return { path: issuePath(issue.path), message: issue.message }
}

/** Parses one record, refusing it with INVALID_SAMPLE naming the first bad field. */
export function parseSceneRecord(value: unknown, where = 'record'): SceneRecord {
  const result = sceneRecordSchema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]!
    const path = issuePath(issue.path)
    throw new SynthError('INVALID_SAMPLE', `${where}: ${path || 'record'}: ${issue.message}`, { path })
  }
  return result.data as SceneRecord
}
