/**
 * Modality codes of a token sequence (a `Uint8Array` with one code per token). Reducers take
 * the codes to act on as options, so a runtime with other codes can pass its own.
 */
export const MODALITY = {
  TEXT: 0,
  IMAGE: 1,
  REGISTER: 2,
} as const

/** Indices of the tokens whose code is `code`, ascending. */
export function tokensOf(modality: Uint8Array, code: number): Int32Array {
  let n = 0
  for (const m of modality) if (m === code) n++
  const out = new Int32Array(n)
  let j = 0
  for (let i = 0; i < modality.length; i++) if (modality[i] === code) out[j++] = i
  return out
}
