import type { KvPredictorConfig } from './config.ts'
import { type Dense, dense, loadDense } from './encoder-layers.ts'
import { ModelError } from './errors.ts'
import { FlopCounter } from './flops.ts'
import type { KvCache } from './kv-cache.ts'
import type { OpenElm } from './openelm.ts'
import { freshTokens } from './tokens.ts'
import type { WeightStore } from './weights.ts'

/**
 * KV Prediction's per-layer linear maps (with bias) from an auxiliary OpenELM's keys and values to a
 * base OpenELM's, over merged heads (`[S, Ha·ha] → [S, Hb·hb]`). Base layer `i` reads aux layer
 * `aux_layer_for_base_layer[i]`. Keys are predicted before k_norm and RoPE; the base applies its own.
 */
export class KvPredictor {
  readonly config: KvPredictorConfig
  #k: Dense[]
  #v: Dense[]

  private constructor(config: KvPredictorConfig, w: WeightStore) {
    this.config = config
    this.#k = []
    this.#v = []
    config.aux_layer_for_base_layer.forEach((j, i) => {
      const inDim = config.aux_num_kv_heads[j]! * config.aux_head_dim
      const outDim = config.base_num_kv_heads[i]! * config.base_head_dim
      this.#k.push(loadDense(w, `k_projections.${i}`, inDim, outDim))
      this.#v.push(loadDense(w, `v_projections.${i}`, inDim, outDim))
    })
  }

  static load(config: KvPredictorConfig, w: WeightStore): KvPredictor {
    return new KvPredictor(config, w)
  }

  /** Refuse a base/aux pair whose layers or KV widths differ from what the predictor was trained for. */
  checkPair(base: OpenElm, aux: OpenElm): void {
    const c = this.config
    const fail = (what: string) => {
      throw new ModelError('CONFIG_MISMATCH', `kv predictor (${c.aux} → ${c.base}): ${what}`)
    }
    if (base.numLayers !== c.base_num_kv_heads.length)
      fail(`base has ${base.numLayers} layers, predictor ${c.base_num_kv_heads.length}`)
    if (aux.numLayers !== c.aux_num_kv_heads.length)
      fail(`aux has ${aux.numLayers} layers, predictor ${c.aux_num_kv_heads.length}`)
    if (base.config.head_dim !== c.base_head_dim) fail('base head_dim differs')
    if (aux.config.head_dim !== c.aux_head_dim) fail('aux head_dim differs')
    base.layers.forEach((l, i) => {
      if (l.nkv !== c.base_num_kv_heads[i])
        fail(`base layer ${i} has ${l.nkv} KV heads, predictor ${c.base_num_kv_heads[i]}`)
    })
    aux.layers.forEach((l, i) => {
      if (l.nkv !== c.aux_num_kv_heads[i])
        fail(`aux layer ${i} has ${l.nkv} KV heads, predictor ${c.aux_num_kv_heads[i]}`)
    })
  }

  /**
   * Fill a fresh base cache from the aux model's raw per-layer K/V (from `forward(..., { rawKv: true })`):
   * predict, then apply the base's k_norm and RoPE as it does to its own keys.
   */
  predictCache(
    base: OpenElm,
    raw: { k: Float32Array; v: Float32Array; positions: Int32Array }[],
    flops = new FlopCounter(),
  ): KvCache {
    const cache = base.newCache()
    this.config.aux_layer_for_base_layer.forEach((j, i) => {
      const src = raw[j]
      if (!src) throw new ModelError('INVALID_ARGUMENT', `kv predictor: no aux K/V for layer ${j}`)
      const n = src.positions.length
      const k = dense(this.#k[i]!, src.k, n, flops)
      const v = dense(this.#v[i]!, src.v, n, flops)
      base.prepareKeys(i, k, src.positions)
      const tokens = freshTokens(n)
      tokens.positions.set(src.positions)
      cache.layers[i]!.append(k, v, tokens, n)
    })
    let next = 0
    for (const r of raw) for (const p of r.positions) next = Math.max(next, p + 1)
    cache.nextPosition = next
    return cache
  }
}

/** Result of {@link kvPredictionPrefill}. */
export interface KvPredictionPrefill {
  /** Base logits `[vocab]` for the last prompt token. */
  logits: Float32Array
  /** The base's cache: predicted entries for `prompt[:-1]`, its own for the last token. */
  cache: KvCache
  flops: FlopCounter
}

/**
 * Time-to-first-token path of KV Prediction: the aux model runs `prompt[:-1]`, the predictor maps its
 * cache to the base's, and the base runs only the last prompt token against it. Generation then
 * continues with the base alone.
 */
export function kvPredictionPrefill(
  base: OpenElm,
  aux: OpenElm,
  predictor: KvPredictor,
  ids: ArrayLike<number>,
  flops = new FlopCounter(),
): KvPredictionPrefill {
  predictor.checkPair(base, aux)
  const n = ids.length
  if (n === 0) throw new ModelError('INVALID_ARGUMENT', 'kv prediction: empty prompt')
  let cache = base.newCache()
  if (n > 1) {
    const head = Array.from({ length: n - 1 }, (_, i) => ids[i]!)
    const out = aux.forward(aux.embed(head), freshTokens(n - 1), { rawKv: true, logits: 'none', flops })
    cache = predictor.predictCache(base, out.rawKv!, flops)
  }
  const last = base.forward(base.embed([ids[n - 1]!]), freshTokens(1, n - 1), {
    cache,
    logits: 'last',
    flops,
  })
  return { logits: last.logits, cache, flops }
}
