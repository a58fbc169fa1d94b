import { ModelError } from './errors.ts'

/** What a token stands for; stored per token in {@link TokenMeta.modality}. */
export const MODALITY = { text: 0, image: 1, register: 2 } as const
export type Modality = (typeof MODALITY)[keyof typeof MODALITY]

/**
 * Per-token metadata that travels with the hidden states through the layers and the hooks.
 * All three arrays have one entry per current token.
 */
export interface TokenMeta {
  /** {@link MODALITY} of each token. */
  readonly modality: Uint8Array
  /** Original position of each token (RoPE angle and causal order); merged tokens keep their earliest source's. */
  readonly positions: Int32Array
  /** How many input tokens each token stands for (1 until merged; ToMe's size for proportional attention). */
  readonly sizes: Float32Array
}

/** Metadata for `count` fresh tokens of one modality at positions `start, start+1, ...`. */
export function freshTokens(count: number, start = 0, modality: Modality = MODALITY.text): TokenMeta {
  const positions = new Int32Array(count)
  for (let i = 0; i < count; i++) positions[i] = start + i
  return { modality: new Uint8Array(count).fill(modality), positions, sizes: new Float32Array(count).fill(1) }
}

/** Concatenate token metadata in order. */
export function concatTokens(parts: readonly TokenMeta[]): TokenMeta {
  const n = parts.reduce((a, p) => a + p.positions.length, 0)
  const out = { modality: new Uint8Array(n), positions: new Int32Array(n), sizes: new Float32Array(n) }
  let at = 0
  for (const p of parts) {
    out.modality.set(p.modality, at)
    out.positions.set(p.positions, at)
    out.sizes.set(p.sizes, at)
    at += p.positions.length
  }
  return out
}

/** Keep the tokens at `indices` (in that order) of hidden states `[n, dim]` and their metadata. */
export function selectTokens(
  hidden: Float32Array,
  dim: number,
  tokens: TokenMeta,
  indices: ArrayLike<number>,
): { hidden: Float32Array; tokens: TokenMeta } {
  const n = tokens.positions.length
  const out = new Float32Array(indices.length * dim)
  const meta = {
    modality: new Uint8Array(indices.length),
    positions: new Int32Array(indices.length),
    sizes: new Float32Array(indices.length),
  }
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!
    if (!Number.isInteger(j) || j < 0 || j >= n) {
      throw new ModelError('INVALID_ARGUMENT', `token index ${j} outside 0..${n - 1}`)
    }
    out.set(hidden.subarray(j * dim, (j + 1) * dim), i * dim)
    meta.modality[i] = tokens.modality[j]!
    meta.positions[i] = tokens.positions[j]!
    meta.sizes[i] = tokens.sizes[j]!
  }
  return { hidden: out, tokens: meta }
}
