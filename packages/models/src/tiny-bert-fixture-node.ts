/**
 * Test fixture: writes a tiny BERT-like model in the Hugging Face layout (config.json,
 * tokenizer.json with a WordPiece vocabulary, tokenizer_config.json, onnx/model.onnx) so the
 * transformers.js path is tested without downloading anything. The graph is
 * `last_hidden_state = tanh((E[input_ids] + T[token_type_ids]) · W) ⊙ attention_mask`,
 * and {@link referenceEmbedding} computes the same thing in plain TypeScript.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import onnxProto from 'onnx-proto'
import { mulberry32 } from './random.ts'

const { onnx } = onnxProto

export const TINY_HIDDEN = 8
export const TINY_WORDS = ['cat', 'dog', 'sat', 'ran', 'mat', 'park', 'the', 'on', 'in', 'tax', 'rail', '##s']
export const TINY_VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', ...TINY_WORDS]

export interface TinyWeights {
  embeddings: Float32Array
  tokenTypes: Float32Array
  dense: Float32Array
}

export function tinyWeights(seed = 3): TinyWeights {
  const rand = mulberry32(seed)
  const fill = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1)
  return {
    embeddings: fill(TINY_VOCAB.length * TINY_HIDDEN),
    tokenTypes: fill(2 * TINY_HIDDEN),
    dense: fill(TINY_HIDDEN * TINY_HIDDEN),
  }
}

function tensor(name: string, dims: number[], data: Float32Array) {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    floatData: Array.from(data),
  })
}

function input(name: string, elemType: number, shape: (string | number)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType,
        shape: onnx.TensorShapeProto.create({
          dim: shape.map((d) =>
            typeof d === 'string'
              ? onnx.TensorShapeProto.Dimension.create({ dimParam: d })
              : onnx.TensorShapeProto.Dimension.create({ dimValue: d }),
          ),
        }),
      }),
    }),
  })
}

/** The ONNX bytes of the tiny model. */
export function tinyBertOnnx(weights: TinyWeights): Uint8Array {
  const INT64 = onnx.TensorProto.DataType.INT64
  const FLOAT = onnx.TensorProto.DataType.FLOAT
  const node = (opType: string, inputs: string[], outputs: string[], attribute: unknown[] = []) =>
    onnx.NodeProto.create({ opType, input: inputs, output: outputs, attribute: attribute as never })
  const graph = onnx.GraphProto.create({
    name: 'tiny-bert',
    node: [
      node('Gather', ['word_embeddings', 'input_ids'], ['we']),
      node('Gather', ['token_type_embeddings', 'token_type_ids'], ['te']),
      node('Add', ['we', 'te'], ['x']),
      node('MatMul', ['x', 'dense'], ['h']),
      node('Tanh', ['h'], ['t']),
      node(
        'Cast',
        ['attention_mask'],
        ['m'],
        [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT })],
      ),
      node('Unsqueeze', ['m', 'axes'], ['m3']),
      node('Mul', ['t', 'm3'], ['last_hidden_state']),
    ],
    initializer: [
      tensor('word_embeddings', [TINY_VOCAB.length, TINY_HIDDEN], weights.embeddings),
      tensor('token_type_embeddings', [2, TINY_HIDDEN], weights.tokenTypes),
      tensor('dense', [TINY_HIDDEN, TINY_HIDDEN], weights.dense),
      onnx.TensorProto.create({ name: 'axes', dims: [1], dataType: INT64, int64Data: [-1] }),
    ],
    input: [
      input('input_ids', INT64, ['batch', 'sequence']),
      input('attention_mask', INT64, ['batch', 'sequence']),
      input('token_type_ids', INT64, ['batch', 'sequence']),
    ],
    output: [input('last_hidden_state', FLOAT, ['batch', 'sequence', TINY_HIDDEN])],
  })
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'frugal-test-fixture',
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 13 })],
    graph,
  })
  return onnx.ModelProto.encode(model).finish()
}

const special = (id: number, content: string) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true,
})

/** A WordPiece tokenizer.json for {@link TINY_VOCAB} (BERT normaliser, pre-tokeniser and template). */
export function tinyTokenizerJson(): unknown {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '[PAD]'), special(1, '[UNK]'), special(2, '[CLS]'), special(3, '[SEP]')],
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(TINY_VOCAB.map((t, i) => [t, i])),
    },
  }
}

/** Writes the model folder `dir` (HF layout) and returns the weights. */
export async function writeTinyBert(dir: string, seed = 3): Promise<TinyWeights> {
  const weights = tinyWeights(seed)
  await mkdir(join(dir, 'onnx'), { recursive: true })
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'bert',
      architectures: ['BertModel'],
      hidden_size: TINY_HIDDEN,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      intermediate_size: TINY_HIDDEN,
      vocab_size: TINY_VOCAB.length,
      max_position_embeddings: 64,
      type_vocab_size: 2,
    }),
  )
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()))
  await writeFile(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 64,
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      mask_token: '[UNK]',
    }),
  )
  await writeFile(join(dir, 'onnx', 'model.onnx'), tinyBertOnnx(weights))
  return weights
}

/** The model's mean-pooled output for already-tokenised ids (with [CLS] ... [SEP]), computed directly. */
export function referenceEmbedding(weights: TinyWeights, ids: number[]): Float32Array {
  const out = new Float32Array(TINY_HIDDEN)
  for (const id of ids) {
    const x = new Float64Array(TINY_HIDDEN)
    for (let c = 0; c < TINY_HIDDEN; c++)
      x[c] = weights.embeddings[id * TINY_HIDDEN + c]! + weights.tokenTypes[c]!
    for (let j = 0; j < TINY_HIDDEN; j++) {
      let h = 0
      for (let c = 0; c < TINY_HIDDEN; c++) h += x[c]! * weights.dense[c * TINY_HIDDEN + j]!
      out[j]! += Math.tanh(h) / ids.length
    }
  }
  return out
}
