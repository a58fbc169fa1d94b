import { z } from 'zod'
import type { ElementObject, SceneElements } from '../elements.ts'
import { SynthError } from '../errors.ts'
import type { Random } from '../random.ts'
import { comboKey } from '../scene.ts'
import { schemaIssue } from '../schema.ts'
import { ATTRIBUTES, type Attribute, COLOURS, SHAPES, SIZES, TEXTURES, VALUES } from '../vocab.ts'

const attributeValues = {
  shape: z.enum(SHAPES),
  colour: z.enum(COLOURS),
  size: z.enum(SIZES),
  texture: z.enum(TEXTURES),
}
/** Objects that an op applies to: every attribute given must match (at least one). */
const selector = z
  .strictObject({
    shape: attributeValues.shape.optional(),
    colour: attributeValues.colour.optional(),
    size: attributeValues.size.optional(),
    texture: attributeValues.texture.optional(),
  })
  .refine((s) => Object.keys(s).length > 0, 'name at least one of shape, colour, size, texture')

const orAny = <T extends z.ZodType>(t: T) => z.union([t, z.literal('any')])

const removeOp = z.strictObject({ op: z.literal('remove'), where: selector })
const addOp = z.strictObject({
  op: z.literal('add'),
  object: z.strictObject({
    shape: orAny(attributeValues.shape).default('any'),
    colour: orAny(attributeValues.colour).default('any'),
    size: orAny(attributeValues.size).default('any'),
    texture: orAny(attributeValues.texture).default('any'),
  }),
  count: z.number().int().min(1).max(8).default(1),
})
const replaceOp = z
  .strictObject({
    op: z.literal('replace'),
    attr: z.enum(ATTRIBUTES),
    from: z.string(),
    to: z.string(),
    where: selector.optional(),
  })
  .superRefine((r, ctx) => {
    const values = VALUES[r.attr]
    for (const end of ['from', 'to'] as const)
      if (r[end] !== 'any' && !values.includes(r[end]))
        ctx.addIssue({
          code: 'custom',
          path: [end],
          message: `"${r[end]}" is not a ${r.attr} (${values.join(', ')}, or any)`,
        })
    if (r.from === r.to && r.from !== 'any')
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'equals "from": the op would change nothing' })
  })
const rebalanceOp = z.strictObject({
  op: z.literal('rebalance'),
  attr: z.enum(['shape', 'colour', 'combo']),
  /** 0 leaves frequencies alone, 1 moves every object of the most common value toward the rarest. */
  strength: z.number().min(0).max(1).default(1),
})

/**
 * A control policy: a seed and a list of edits applied in order to each sample's elements.
 * Declarative JSON, checked field by field.
 * @example
 * { "seed": 3, "ops": [{ "op": "remove", "where": { "shape": "star" } },
 *                      { "op": "replace", "attr": "colour", "from": "red", "to": "any" }] }
 */
export const policySchema = z.strictObject({
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(0),
  ops: z
    .array(z.discriminatedUnion('op', [removeOp, addOp, replaceOp, rebalanceOp]))
    .min(1)
    .max(64),
})

export type Policy = z.output<typeof policySchema>
export type PolicyOp = Policy['ops'][number]

/** Checks a policy (parsed JSON); refuses it with INVALID_POLICY naming the first bad field, e.g. `ops[0].to`. */
export function parsePolicy(value: unknown): Policy {
  const result = policySchema.safeParse(value)
  if (!result.success) {
    const { path, message } = schemaIssue(result.error)
    throw new SynthError('INVALID_POLICY', `policy ${path || '(root)'}: ${message}`, { path })
  }
  return result.data
}

/** How often each value occurs in a data set, for `rebalance`. */
export type Frequencies = Record<'shape' | 'colour' | 'combo', Map<string, number>>

/** Counts shapes, colours and combos over many samples' elements. */
export function countFrequencies(all: Iterable<SceneElements>): Frequencies {
  const f: Frequencies = { shape: new Map(), colour: new Map(), combo: new Map() }
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1)
  for (const e of all)
    for (const o of e.objects) {
      bump(f.shape, o.shape)
      bump(f.colour, o.colour)
      bump(f.combo, comboKey(o))
    }
  return f
}

/** Why a policy could not be applied to one sample (it is skipped and counted, not fatal). */
export class PolicyConflict extends Error {
  readonly reason: 'unsatisfiable' | 'empty-scene'
  constructor(reason: 'unsatisfiable' | 'empty-scene', message: string) {
    super(message)
    this.name = 'PolicyConflict'
    this.reason = reason
  }
}

const matchesSelector = (o: ElementObject, where: Partial<Record<Attribute, string>>) =>
  Object.entries(where).every(([k, v]) => o[k as Attribute] === v)

/**
 * Applies a policy's ops in order to one sample's elements. Removed objects take their relations
 * with them; replaced colours and shapes re-key relations; a changed size or an added object loses
 * its position so the layout places it again. Throws {@link PolicyConflict} when an op cannot hold
 * (a duplicate colour–shape pair, more than 8 objects, nothing left).
 */
export function applyPolicy(
  elements: SceneElements,
  policy: Policy,
  random: Random,
  frequencies?: Frequencies,
): SceneElements {
  let objects = elements.objects.map((o) => ({ ...o }))
  let relations = elements.relations.map((r) => ({ ...r }))
  const rekey = (from: string, to: string) => {
    for (const r of relations) {
      if (r.subject === from) r.subject = to
      if (r.object === from) r.object = to
    }
  }
  const taken = () => new Set(objects.map(comboKey))
  for (const op of policy.ops) {
    if (op.op === 'remove') {
      const gone = new Set(objects.filter((o) => matchesSelector(o, op.where)).map(comboKey))
      objects = objects.filter((o) => !gone.has(comboKey(o)))
      relations = relations.filter((r) => !gone.has(r.subject) && !gone.has(r.object))
    } else if (op.op === 'add') {
      for (let i = 0; i < op.count; i++) {
        const used = taken()
        const choices = SHAPES.flatMap((shape) => COLOURS.map((colour) => ({ shape, colour }))).filter(
          (c) =>
            (op.object.shape === 'any' || c.shape === op.object.shape) &&
            (op.object.colour === 'any' || c.colour === op.object.colour) &&
            !used.has(comboKey(c)),
        )
        if (choices.length === 0)
          throw new PolicyConflict(
            'unsatisfiable',
            `add: every ${op.object.colour} ${op.object.shape} is taken`,
          )
        if (objects.length >= 8)
          throw new PolicyConflict('unsatisfiable', 'add: a scene holds at most 8 objects')
        const c = random.pick(choices)
        objects.push({
          ...c,
          size: op.object.size === 'any' ? random.pick(SIZES) : op.object.size,
          texture: op.object.texture === 'any' ? random.pick(TEXTURES) : op.object.texture,
        })
      }
    } else if (op.op === 'replace') {
      for (const o of objects) {
        if (op.where && !matchesSelector(o, op.where)) continue
        const current = o[op.attr]
        if (current === undefined || (op.from !== 'any' && current !== op.from)) continue
        // Already what "to" asks for ("from": "any"): nothing to change.
        if (current === op.to) continue
        const options = VALUES[op.attr].filter(
          (v) => v !== current && (op.to === 'any' || v === op.to) && !clashes(o, op.attr, v, taken()),
        )
        if (options.length === 0)
          throw new PolicyConflict(
            'unsatisfiable',
            `replace: no ${op.attr} for the ${comboKey(o)} keeps pairs unique`,
          )
        setAttribute(o, op.attr, random.pick(options), rekey)
      }
    } else {
      if (!frequencies)
        throw new SynthError('INVALID_ARGUMENT', 'rebalance needs the frequencies of the input set')
      rebalance(objects, op, frequencies, random, taken, rekey)
    }
  }
  if (objects.length === 0) throw new PolicyConflict('empty-scene', 'the policy removed every object')
  const keys = taken()
  relations = relations.filter((r) => keys.has(r.subject) && keys.has(r.object))
  return { objects, relations }
}

function clashes(o: ElementObject, attr: Attribute, value: string, keys: Set<string>): boolean {
  if (attr !== 'colour' && attr !== 'shape') return false
  return keys.has(comboKey({ ...o, [attr]: value }))
}

function setAttribute(
  o: ElementObject,
  attr: Attribute,
  value: string,
  rekey: (a: string, b: string) => void,
): void {
  const before = comboKey(o)
  ;(o as unknown as Record<string, string>)[attr] = value
  if (attr === 'size') delete o.position
  if (attr === 'colour' || attr === 'shape') rekey(before, comboKey(o))
}

function rebalance(
  objects: ElementObject[],
  op: Extract<PolicyOp, { op: 'rebalance' }>,
  f: Frequencies,
  random: Random,
  taken: () => Set<string>,
  rekey: (a: string, b: string) => void,
): void {
  const table = f[op.attr]
  const values =
    op.attr === 'combo' ? SHAPES.flatMap((s) => COLOURS.map((c) => `${c} ${s}`)) : [...VALUES[op.attr]]
  const freq = (v: string) => table.get(v) ?? 0
  const floor = Math.min(...values.map(freq))
  for (const o of objects) {
    const own = op.attr === 'combo' ? comboKey(o) : o[op.attr]
    // Common values move with a chance that grows with how much more common they are than the rarest.
    if (random.next() >= op.strength * (1 - (floor + 1) / (freq(own) + 1))) continue
    const keys = taken()
    const options = values.filter((v) => {
      if (freq(v) >= freq(own)) return false
      const next = op.attr === 'combo' ? v : comboKey({ ...o, [op.attr]: v })
      return !keys.has(next)
    })
    if (options.length === 0) continue
    const pick = options[random.weighted(options.map((v) => 1 / (freq(v) + 1)))]!
    const before = comboKey(o)
    if (op.attr === 'combo') {
      const [colour, shape] = pick.split(' ') as [ElementObject['colour'], ElementObject['shape']]
      o.colour = colour
      o.shape = shape
      rekey(before, comboKey(o))
    } else setAttribute(o, op.attr, pick, rekey)
  }
}
