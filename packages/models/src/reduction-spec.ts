import { ModelError } from './errors.ts'

/** A parsed `--reduction` spec; absent parts are off. */
export interface ReductionSpec {
  /** ToMe in the vision tower: merge `r` tokens in each listed ViT layer (default every layer). */
  tome?: { r: number; layers?: number[] }
  /**
   * PuMer between decoder layers: keep the `keep` fraction of image tokens by text→image attention,
   * merge the `merge` fraction of them (and `text` of the text tokens) at `layers`.
   */
  pumer?: { keep: number; merge: number; text: number; layers?: number[] }
  /** Victor: drop the visual tokens after the layer the model was trained for (needs registers). */
  victor: boolean
}

/** The grammar, as `--help` prints it. */
export const REDUCTION_SPEC_HELP = [
  'SPEC is "none" or parts joined by "+":',
  '  tome:r=R[,layers=L1,L2,...]   ToMe in the vision tower: merge R tokens per layer (default all layers)',
  '  pumer:keep=K,merge=M[,text=T][,layers=L1,L2,...]',
  '                                PuMer in the decoder: keep fraction K of image tokens by text→image',
  '                                attention, merge fraction M of them (T of the text tokens, default 0);',
  "                                default layers: PuMer's 2/5/8-of-12 at the same relative depths",
  '  victor                        drop the visual tokens after layer k (models trained with registers)',
  'e.g. "tome:r=8", "pumer:keep=0.7,merge=0.3,layers=2,4,6", "victor+tome:r=4"',
].join('\n')

function bad(message: string): ModelError {
  return new ModelError('INVALID_REDUCTION', `reduction spec: ${message}`)
}

function fraction(part: string, key: string, raw: string): number {
  const v = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1)
    throw bad(`${part}: ${key}=${raw} must be a number in [0, 1]`)
  return v
}

function count(part: string, key: string, raw: string): number {
  const v = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(v))
    throw bad(`${part}: ${key}=${raw} must be a non-negative integer`)
  return v
}

/** `key=value` pairs of one part; values of `layers` may continue over further commas. */
function params(part: string, body: string, allowed: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>()
  if (body === '') return out
  let last: string | undefined
  for (const item of body.split(',')) {
    const eq = item.indexOf('=')
    if (eq < 0) {
      if (last === 'layers' && item !== '') {
        out.get('layers')!.push(item)
        continue
      }
      throw bad(`${part}: "${item}" is not key=value`)
    }
    const key = item.slice(0, eq)
    if (!allowed.includes(key))
      throw bad(`${part}: unknown parameter "${key}" (known: ${allowed.join(', ')})`)
    if (out.has(key)) throw bad(`${part}: "${key}" given twice`)
    out.set(key, [item.slice(eq + 1)])
    last = key
  }
  return out
}

function layerList(part: string, values: string[] | undefined): number[] | undefined {
  if (!values) return undefined
  const layers = values.map((v) => count(part, 'layers', v))
  if (layers.length === 0) throw bad(`${part}: layers is empty`)
  if (new Set(layers).size !== layers.length) throw bad(`${part}: layers repeat`)
  return layers.sort((a, b) => a - b)
}

/**
 * Parse a reduction spec (see {@link REDUCTION_SPEC_HELP}). Every malformed or out-of-range part is
 * refused with `INVALID_REDUCTION` naming it; nothing is silently ignored.
 */
export function parseReductionSpec(spec: string): ReductionSpec {
  const text = spec.trim()
  if (text === '') throw bad('empty (use "none")')
  const out: ReductionSpec = { victor: false }
  if (text === 'none') return out
  for (const part of text.split('+')) {
    const colon = part.indexOf(':')
    const name = colon < 0 ? part : part.slice(0, colon)
    const body = colon < 0 ? '' : part.slice(colon + 1)
    if (name === 'none') throw bad('"none" cannot be combined')
    if (name === 'victor') {
      if (body !== '') throw bad('victor takes no parameters')
      if (out.victor) throw bad('victor given twice')
      out.victor = true
    } else if (name === 'tome') {
      if (out.tome) throw bad('tome given twice')
      const p = params(part, body, ['r', 'layers'])
      if (!p.has('r')) throw bad(`${part}: r is required`)
      const r = count(part, 'r', p.get('r')![0]!)
      if (r < 1) throw bad(`${part}: r must be at least 1`)
      out.tome = { r, layers: layerList(part, p.get('layers')) }
    } else if (name === 'pumer') {
      if (out.pumer) throw bad('pumer given twice')
      const p = params(part, body, ['keep', 'merge', 'text', 'layers'])
      if (!p.has('keep') || !p.has('merge')) throw bad(`${part}: keep and merge are required`)
      const keep = fraction(part, 'keep', p.get('keep')![0]!)
      const merge = fraction(part, 'merge', p.get('merge')![0]!)
      if (keep === 0) throw bad(`${part}: keep=0 would remove every image token`)
      if (merge > keep)
        throw bad(`${part}: merge=${merge} exceeds keep=${keep} (merged tokens come from the kept ones)`)
      const textRatio = p.has('text') ? fraction(part, 'text', p.get('text')![0]!) : 0
      out.pumer = { keep, merge, text: textRatio, layers: layerList(part, p.get('layers')) }
    } else {
      throw bad(`unknown method "${name}" (known: none, tome, pumer, victor)`)
    }
  }
  return out
}
