import { ModelError } from './errors.ts'
import type { TokenMeta } from './tokens.ts'

/** Where in a block a hook runs: after the attention residual (before the MLP, where ToMe and PuMer reduce) or after the block. */
export type HookPoint = 'attention' | 'layer'

/** Attention probabilities of the layer that just ran, given to hooks that asked for them. */
export interface AttentionStats {
  /** `[heads, queries, keys]` probabilities; queries are the current tokens, keys the cache (if any) then the current tokens. */
  readonly probs: Float32Array
  readonly heads: number
  readonly queries: number
  readonly keys: number
  /** Metadata of the keys (cached tokens first), e.g. to find image keys for text→image attention. */
  readonly keyTokens: TokenMeta
}

/** What a hook sees between two layers. */
export interface LayerHookContext {
  /** Index of the block that just ran (0-based). */
  readonly layer: number
  readonly numLayers: number
  readonly point: HookPoint
  /** `prefill` when the tokens are the prompt (or image), `decode` for generated tokens. */
  readonly stage: 'prefill' | 'decode'
  /** Hidden states `[tokens, dim]`. */
  readonly hidden: Float32Array
  readonly dim: number
  readonly tokens: TokenMeta
  /** Present when {@link LayerHook.wantsAttention} returned true for this layer. */
  readonly attention?: AttentionStats
  /** Keys of the current tokens averaged over heads `[tokens, headDim]` (ToMe's similarity metric), when asked for. */
  readonly keys?: Float32Array
  readonly headDim: number
}

/** A hook's answer: the (possibly fewer, merged) tokens that continue. */
export interface HookResult {
  readonly hidden: Float32Array
  readonly tokens: TokenMeta
}

/**
 * Code that runs between layers. It may return fewer tokens (pruned or merged); the following layers,
 * their KV cache and the output then only hold those. Returning `undefined` keeps the tokens.
 */
export interface LayerHook {
  readonly name?: string
  wantsAttention?(layer: number, point: HookPoint): boolean
  wantsKeys?(layer: number, point: HookPoint): boolean
  afterAttention?(ctx: LayerHookContext): HookResult | undefined
  afterLayer?(ctx: LayerHookContext): HookResult | undefined
}

/** Whether any hook wants the attention probabilities (or keys) of `layer`. */
export function hooksWant(hooks: readonly LayerHook[], layer: number, what: 'attention' | 'keys'): boolean {
  for (const h of hooks) {
    for (const point of ['attention', 'layer'] as const) {
      if (what === 'attention' ? h.wantsAttention?.(layer, point) : h.wantsKeys?.(layer, point)) return true
    }
  }
  return false
}

/** Check a hook's result against its input: never more tokens, never none, consistent array lengths. */
export function checkHookResult(result: HookResult, ctx: LayerHookContext, name: string): HookResult {
  const n = result.tokens.positions.length
  const before = ctx.tokens.positions.length
  const where = `hook ${name} after layer ${ctx.layer} (${ctx.point})`
  if (n < 1 || n > before) {
    throw new ModelError('INVALID_HOOK_RESULT', `${where} returned ${n} tokens; 1..${before} are allowed`)
  }
  if (result.tokens.modality.length !== n || result.tokens.sizes.length !== n) {
    throw new ModelError('INVALID_HOOK_RESULT', `${where}: modality/positions/sizes lengths differ`)
  }
  if (result.hidden.length !== n * ctx.dim) {
    throw new ModelError(
      'INVALID_HOOK_RESULT',
      `${where}: hidden has ${result.hidden.length} values for ${n}×${ctx.dim}`,
    )
  }
  for (let i = 0; i < n; i++) {
    if (!(result.tokens.sizes[i]! > 0))
      throw new ModelError('INVALID_HOOK_RESULT', `${where}: size of token ${i} is not positive`)
  }
  return result
}

/** Run the hooks of one point in order; each sees the previous one's tokens. */
export function runHooks(
  hooks: readonly LayerHook[],
  ctx: LayerHookContext,
): { hidden: Float32Array; tokens: TokenMeta; changed: boolean } {
  let hidden = ctx.hidden
  let tokens = ctx.tokens
  let changed = false
  for (const [i, h] of hooks.entries()) {
    const fn = ctx.point === 'attention' ? h.afterAttention : h.afterLayer
    if (!fn) continue
    const here = changed ? { ...ctx, hidden, tokens, attention: undefined, keys: undefined } : ctx
    const r = fn.call(h, here)
    if (r) {
      checkHookResult(r, here, h.name ?? String(i))
      hidden = r.hidden
      tokens = r.tokens
      changed = true
    }
  }
  return { hidden, tokens, changed }
}
