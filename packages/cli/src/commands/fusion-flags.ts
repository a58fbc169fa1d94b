import { FUSION_METHODS, type FusionMethod, type FusionOptions } from '@frugal/retrieval'
import { fail, positiveInt } from './shared.ts'

/** The hybrid-fusion flags of `frugal search` / `frugal index search` and `frugal eval`. */
export const FUSION_ARGS = {
  fusion: {
    type: 'string',
    description: `Hybrid fusion: ${FUSION_METHODS.join(' | ')} (default: the set's calibrated fusion, else rrf)`,
  },
  'dense-weight': { type: 'string', description: 'Weight of the dense ranking in hybrid fusion (>= 0)' },
  'lexical-weight': { type: 'string', description: 'Weight of the BM25 ranking in hybrid fusion (>= 0)' },
  'rrf-k': { type: 'string', description: 'RRF constant k of --fusion rrf (default 60)' },
  'fusion-depth': { type: 'string', description: 'Candidates per side before fusion (default max(100, k))' },
} as const

function weight(value: string, flag: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    fail(`${flag} must be a number >= 0, got "${value}"`)
  return n
}

/**
 * The per-query fusion override given by the flags, or `undefined` for none (the set's own
 * fusion). Fields not given keep the set's calibrated values; see `resolveFusion`.
 */
export function parseFusionFlags(args: {
  fusion?: string
  'dense-weight'?: string
  'lexical-weight'?: string
  'rrf-k'?: string
  'fusion-depth'?: string
}): FusionOptions | undefined {
  const out: FusionOptions = {}
  if (args.fusion !== undefined) {
    if (!FUSION_METHODS.includes(args.fusion as FusionMethod))
      fail(`--fusion must be one of ${FUSION_METHODS.join(', ')}, got "${args.fusion}"`)
    out.method = args.fusion as FusionMethod
  }
  if (args['dense-weight'] !== undefined) out.denseWeight = weight(args['dense-weight'], '--dense-weight')
  if (args['lexical-weight'] !== undefined)
    out.lexicalWeight = weight(args['lexical-weight'], '--lexical-weight')
  if (out.denseWeight === 0 && out.lexicalWeight === 0)
    fail('--dense-weight and --lexical-weight must not both be 0')
  if (args['rrf-k'] !== undefined) {
    if (args.fusion !== undefined && args.fusion !== 'rrf') fail('--rrf-k applies to --fusion rrf only')
    out.k = weight(args['rrf-k'], '--rrf-k')
  }
  if (args['fusion-depth'] !== undefined) out.depth = positiveInt(args['fusion-depth'], '--fusion-depth')
  return Object.keys(out).length === 0 ? undefined : out
}
