import { CompressError } from './errors.ts'
import { MODALITY } from './modality.ts'
import { type Reduction, reductionFromRepresentatives } from './reduction.ts'
import { checkCount } from './validate.ts'

/**
 * Victor's defaults (Wen et al. 2024): 8 register tokens after the visual tokens, all visual
 * tokens dropped after the first 3 decoder layers.
 */
export const VICTOR_DEFAULTS = { registers: 8, dropAfterLayer: 3 } as const

/**
 * A reduction that drops every token whose `keep` entry is 0 and keeps the rest in order.
 * @param keep `[tokens]` 1 = keep, 0 = drop
 */
export function dropTokens(keep: Uint8Array): Reduction {
  const rep = new Int32Array(keep.length)
  for (let i = 0; i < keep.length; i++) {
    const k = keep[i]!
    if (k !== 0 && k !== 1) throw new CompressError('INVALID_ARGUMENT', `keep[${i}] = ${k}; expected 0 or 1`)
    rep[i] = k ? i : -1
  }
  return reductionFromRepresentatives(rep)
}

/**
 * Victor's register drop: after layer k, remove every visual token and keep registers, text
 * and system tokens in order. Apply the reduction to the hidden states, the token metadata
 * (`reduceMin`/`reduceLabels`) and the KV cache (`keptRows`); positions keep their original values.
 * @param modality `[tokens]` modality codes
 * @param visualCode the code of the tokens to drop (default {@link MODALITY}.IMAGE)
 */
export function registerDrop(modality: Uint8Array, visualCode: number = MODALITY.IMAGE): Reduction {
  checkCount('visualCode', visualCode)
  const keep = new Uint8Array(modality.length)
  for (let i = 0; i < modality.length; i++) keep[i] = modality[i] === visualCode ? 0 : 1
  return dropTokens(keep)
}
