import { z } from 'zod'
import { ModelError } from './errors.ts'

const posInt = z.number().int().positive()
const nonNegInt = z.number().int().nonnegative()
const eps = z.number().positive().max(0.1)

/** Hugging Face `OpenELMForCausalLM` config (the per-layer lists as stored in its `config.json`). */
export const openElmConfigSchema = z
  .object({
    model_type: z.literal('openelm'),
    vocab_size: posInt,
    model_dim: posInt,
    num_transformer_layers: posInt,
    head_dim: posInt.refine((d) => d % 2 === 0, 'must be even (rotary embeddings rotate pairs)'),
    num_query_heads: z.array(posInt),
    num_kv_heads: z.array(posInt),
    ffn_multipliers: z.array(z.number().positive()),
    ffn_dim_divisor: posInt.default(256),
    normalize_qk_projections: z.boolean().default(true),
    share_input_output_layers: z.boolean().default(true),
    // RoPE's base θ: the angles are position · θ^(−2i/d), so a base below 1 makes them grow with
    // the dim index and a tiny one overflows them to Infinity (NaN logits); real bases are 1e4–1e7.
    rope_freq_constant: z.number().min(1).max(1e12).default(10000),
    max_context_length: posInt.default(2048),
    rms_norm_eps: eps.default(1e-6),
    bos_token_id: nonNegInt.nullable().default(1),
    eos_token_id: nonNegInt.nullable().default(2),
    ffn_with_glu: z.literal(true).default(true),
  })
  .superRefine((c, ctx) => {
    for (const key of ['num_query_heads', 'num_kv_heads', 'ffn_multipliers'] as const) {
      if (c[key].length !== c.num_transformer_layers) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `has ${c[key].length} entries for ${c.num_transformer_layers} layers`,
        })
      }
    }
    c.num_query_heads.forEach((q, i) => {
      const kv = c.num_kv_heads[i]
      if (kv !== undefined && q % kv !== 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['num_kv_heads', i],
          message: `${kv} does not divide ${q} query heads`,
        })
      }
    })
    if (c.bos_token_id !== null && c.bos_token_id >= c.vocab_size) {
      ctx.addIssue({ code: 'custom', path: ['bos_token_id'], message: 'outside the vocabulary' })
    }
    if (c.eos_token_id !== null && c.eos_token_id >= c.vocab_size) {
      ctx.addIssue({ code: 'custom', path: ['eos_token_id'], message: 'outside the vocabulary' })
    }
  })
export type OpenElmConfig = z.infer<typeof openElmConfigSchema>

/** corenet's `make_divisible`, which OpenELM uses to round FFN widths. */
export function makeDivisible(v: number, divisor: number): number {
  let n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor)
  if (n < 0.9 * v) n += divisor
  return n
}

/** The FFN width of OpenELM layer `i` (`make_divisible(ffn_multipliers[i] * model_dim, ffn_dim_divisor)`). */
export function openElmFfnDim(c: OpenElmConfig, i: number): number {
  return makeDivisible(c.ffn_multipliers[i]! * c.model_dim, c.ffn_dim_divisor)
}

export const BERT_HEADS = ['BertForSequenceClassification', 'BertForQuestionAnswering', 'BertModel'] as const

/** Hugging Face BERT config; the head is `architectures[0]`. */
export const bertConfigSchema = z
  .object({
    model_type: z.literal('bert'),
    architectures: z.tuple([z.enum(BERT_HEADS)], z.string()).default(['BertModel']),
    vocab_size: posInt,
    hidden_size: posInt,
    num_hidden_layers: posInt,
    num_attention_heads: posInt,
    intermediate_size: posInt,
    max_position_embeddings: posInt,
    type_vocab_size: posInt.default(2),
    layer_norm_eps: eps.default(1e-12),
    hidden_act: z.literal('gelu').default('gelu'),
    num_labels: posInt.optional(),
    id2label: z.record(z.string(), z.string()).optional(),
    matryoshka_dims: z.array(posInt).optional(),
    /**
     * Structured pruning (Hugging Face's `prune_heads`): per layer (a decimal string key), the original
     * indices of the heads removed; the remaining heads keep their order and size, and that layer's
     * q/k/v rows and output-projection columns shrink to `heads · hidden_size / num_attention_heads`.
     */
    pruned_heads: z.record(z.string().regex(/^\d+$/, 'must be a layer index'), z.array(nonNegInt)).optional(),
    /** Per-layer FFN width after pruning (one entry per layer); `intermediate_size` when absent. */
    intermediate_sizes: z.array(nonNegInt).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.hidden_size % c.num_attention_heads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['num_attention_heads'], message: 'does not divide hidden_size' })
    }
    for (const [layer, heads] of Object.entries(c.pruned_heads ?? {})) {
      if (Number(layer) >= c.num_hidden_layers) {
        ctx.addIssue({
          code: 'custom',
          path: ['pruned_heads', layer],
          message: `layer ${layer} does not exist (${c.num_hidden_layers} layers)`,
        })
      }
      heads.forEach((h, i) => {
        if (h >= c.num_attention_heads) {
          ctx.addIssue({
            code: 'custom',
            path: ['pruned_heads', layer, i],
            message: `head ${h} does not exist (${c.num_attention_heads} heads)`,
          })
        } else if (heads.indexOf(h) !== i) {
          ctx.addIssue({
            code: 'custom',
            path: ['pruned_heads', layer, i],
            message: `head ${h} is listed twice`,
          })
        }
      })
    }
    if (c.intermediate_sizes && c.intermediate_sizes.length !== c.num_hidden_layers) {
      ctx.addIssue({
        code: 'custom',
        path: ['intermediate_sizes'],
        message: `has ${c.intermediate_sizes.length} entries for ${c.num_hidden_layers} layers`,
      })
    }
    for (const [i, d] of (c.matryoshka_dims ?? []).entries()) {
      if (d > c.hidden_size)
        ctx.addIssue({ code: 'custom', path: ['matryoshka_dims', i], message: 'exceeds hidden_size' })
    }
  })
export type BertConfig = z.infer<typeof bertConfigSchema>

/** Attention heads left in BERT layer `i` after `pruned_heads`. */
export function bertHeads(c: BertConfig, i: number): number {
  return c.num_attention_heads - (c.pruned_heads?.[String(i)]?.length ?? 0)
}

/** FFN width of BERT layer `i` (`intermediate_sizes[i]`, else `intermediate_size`). */
export function bertFfnDim(c: BertConfig, i: number): number {
  return c.intermediate_sizes?.[i] ?? c.intermediate_size
}

const visionFields = {
  hidden_size: posInt,
  num_hidden_layers: posInt,
  num_attention_heads: posInt,
  intermediate_size: posInt,
  image_size: posInt,
  patch_size: posInt,
  num_channels: posInt.default(3),
  image_mean: z.array(z.number()).optional(),
  image_std: z.array(z.number().positive()).optional(),
}

function checkPatches(
  c: { image_size: number; patch_size: number; hidden_size: number; num_attention_heads: number },
  ctx: z.RefinementCtx,
) {
  if (c.image_size % c.patch_size !== 0) {
    ctx.addIssue({ code: 'custom', path: ['patch_size'], message: 'does not divide image_size' })
  }
  if (c.hidden_size % c.num_attention_heads !== 0) {
    ctx.addIssue({ code: 'custom', path: ['num_attention_heads'], message: 'does not divide hidden_size' })
  }
}

/** Hugging Face ViT config (`ViTModel`, or `ViTForImageClassification` when `num_labels` > 0). */
export const vitConfigSchema = z
  .object({
    model_type: z.literal('vit'),
    ...visionFields,
    layer_norm_eps: eps.default(1e-12),
    hidden_act: z.literal('gelu').default('gelu'),
    qkv_bias: z.boolean().default(true),
    num_labels: nonNegInt.default(0),
  })
  .superRefine(checkPatches)
export type VitConfig = z.infer<typeof vitConfigSchema>

/** Frugal's LLaVA-style VLM: a ViT, a two-layer GELU projector, registers, an OpenELM decoder. */
export const vlmConfigSchema = z
  .object({
    model_type: z.literal('frugal_vlm'),
    vision_config: vitConfigSchema,
    text_config: openElmConfigSchema,
    num_registers: nonNegInt.default(0),
    visual_token_drop_layer: posInt.nullable().default(null),
    projector_hidden_act: z.literal('gelu').default('gelu'),
    /** How a question is put to the model: `{question}` is replaced; null means the question alone. */
    prompt_template: z.string().includes('{question}').nullable().default(null),
  })
  .superRefine((c, ctx) => {
    const k = c.visual_token_drop_layer
    if (k !== null && k >= c.text_config.num_transformer_layers) {
      ctx.addIssue({
        code: 'custom',
        path: ['visual_token_drop_layer'],
        message: 'must be below the decoder depth',
      })
    }
  })
export type VlmConfig = z.infer<typeof vlmConfigSchema>

/** Hugging Face `CLIPModel` config (text and vision towers). */
export const clipConfigSchema = z.object({
  model_type: z.literal('clip'),
  projection_dim: posInt,
  text_config: z.object({
    vocab_size: posInt,
    hidden_size: posInt,
    num_hidden_layers: posInt,
    num_attention_heads: posInt,
    intermediate_size: posInt,
    max_position_embeddings: posInt,
    layer_norm_eps: eps.default(1e-5),
    hidden_act: z.literal('quick_gelu').default('quick_gelu'),
    eos_token_id: nonNegInt.default(2),
  }),
  vision_config: z
    .object({
      ...visionFields,
      layer_norm_eps: eps.default(1e-5),
      hidden_act: z.literal('quick_gelu').default('quick_gelu'),
    })
    .superRefine(checkPatches),
})
export type ClipConfig = z.infer<typeof clipConfigSchema>

/** The per-layer linear KV predictor between an auxiliary and a base OpenELM (KV Prediction). */
export const kvPredictorConfigSchema = z
  .object({
    model_type: z.literal('kv_predictor'),
    base: z.string().min(1),
    aux: z.string().min(1),
    aux_layer_for_base_layer: z.array(nonNegInt),
    aux_num_kv_heads: z.array(posInt),
    aux_head_dim: posInt,
    base_num_kv_heads: z.array(posInt),
    base_head_dim: posInt,
  })
  .superRefine((c, ctx) => {
    if (c.aux_layer_for_base_layer.length !== c.base_num_kv_heads.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['aux_layer_for_base_layer'],
        message: 'needs one entry per base layer',
      })
    }
    c.aux_layer_for_base_layer.forEach((j, i) => {
      if (j >= c.aux_num_kv_heads.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['aux_layer_for_base_layer', i],
          message: `aux layer ${j} does not exist`,
        })
      }
    })
  })
export type KvPredictorConfig = z.infer<typeof kvPredictorConfigSchema>

/** Any config the runtime loads, told apart by `model_type`. */
export type ModelConfig = OpenElmConfig | BertConfig | VitConfig | VlmConfig | ClipConfig | KvPredictorConfig

const SCHEMAS = {
  openelm: openElmConfigSchema,
  bert: bertConfigSchema,
  vit: vitConfigSchema,
  frugal_vlm: vlmConfigSchema,
  clip: clipConfigSchema,
  kv_predictor: kvPredictorConfigSchema,
} as const

/** The architectures (`model_type` values) this runtime implements. */
export const MODEL_TYPES = Object.keys(SCHEMAS) as (keyof typeof SCHEMAS)[]

/**
 * Validate a parsed `config.json`. Unknown keys are ignored (Hugging Face configs carry many);
 * a missing or wrong field is refused with `INVALID_CONFIG` naming its path, an unknown `model_type`
 * with `UNSUPPORTED_ARCHITECTURE`.
 */
export function parseConfig(json: unknown): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelError('INVALID_CONFIG', 'config.json: not a JSON object')
  }
  const type = (json as { model_type?: unknown }).model_type
  if (typeof type !== 'string') throw new ModelError('INVALID_CONFIG', 'config.json: model_type is missing')
  const schema = SCHEMAS[type as keyof typeof SCHEMAS]
  if (!schema) {
    throw new ModelError(
      'UNSUPPORTED_ARCHITECTURE',
      `config.json: model_type "${type}" is not one of ${MODEL_TYPES.join(', ')}`,
    )
  }
  const result = schema.safeParse(json)
  if (!result.success) {
    const issue = result.error.issues[0]!
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)'
    throw new ModelError('INVALID_CONFIG', `config.json: ${path}: ${issue.message}`)
  }
  return result.data
}
