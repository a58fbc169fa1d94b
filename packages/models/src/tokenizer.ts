import { Tokenizer } from '@huggingface/tokenizers'
import { ModelError } from './errors.ts'

/** Token ids and (for pairs) type ids of an encoded text. */
export interface Encoded {
  ids: number[]
  typeIds: number[]
}

/** Text every loaded tokenizer must encode and decode: words, digits, punctuation, accents. */
const PROBE_TEXT = 'The quick brown fox, 12 jumps over 3.5 lazy dogs! Ünïcödé café?'

/**
 * A Hugging Face `tokenizer.json` run by `@huggingface/tokenizers` (pure JS: it runs in Node, workerd
 * and browsers unpatched). Adds the special tokens of the file's post-processor unless told not to.
 */
export class TextTokenizer {
  readonly #tok: Tokenizer
  readonly vocabSize: number

  private constructor(tok: Tokenizer, vocabSize: number) {
    this.#tok = tok
    this.vocabSize = vocabSize
  }

  /** Build from the parsed or raw `tokenizer.json` (and optionally `tokenizer_config.json`). */
  static fromJson(json: unknown, config: Record<string, unknown> = {}): TextTokenizer {
    let parsed = json
    try {
      if (typeof json === 'string') parsed = JSON.parse(json)
    } catch (cause) {
      throw new ModelError('TOKENIZER_FAILED', 'tokenizer.json is not valid JSON', { cause })
    }
    if (typeof parsed !== 'object' || parsed === null || !('model' in parsed)) {
      throw new ModelError('TOKENIZER_FAILED', 'tokenizer.json: no "model" section')
    }
    try {
      const tok = new Tokenizer(parsed as object, config)
      const model = (parsed as { model: { vocab?: Record<string, number> | unknown[] } }).model
      const vocab = model.vocab
      let size = Array.isArray(vocab) ? vocab.length : vocab ? Object.keys(vocab).length : 0
      for (const t of (parsed as { added_tokens?: { id: number }[] }).added_tokens ?? [])
        size = Math.max(size, t.id + 1)
      const tokenizer = new TextTokenizer(tok, size)
      // A file can construct and still fail on every text (a mistyped pre-tokenizer, ids outside
      // the vocabulary): prove it encodes and decodes before anyone relies on it.
      for (const probe of [PROBE_TEXT, 'the cat sat on the mat', 'a']) {
        tokenizer.decode(tokenizer.encode(probe).ids, { specialTokens: true })
        tokenizer.decode(tokenizer.encode(probe, { pair: probe }).ids)
      }
      return tokenizer
    } catch (cause) {
      throw new ModelError(
        'TOKENIZER_FAILED',
        `tokenizer.json cannot be loaded: ${(cause as Error).message}`,
        { cause },
      )
    }
  }

  /**
   * Token ids of `text` (and of `pair` as the second segment, with type ids 1). Every id is an
   * integer inside the vocabulary; a tokenizer that fails throws `TOKENIZER_FAILED`.
   */
  encode(text: string, opts: { pair?: string; specialTokens?: boolean } = {}): Encoded {
    let e: { ids: number[]; token_type_ids?: number[] | undefined }
    try {
      e = this.#tok.encode(text, {
        text_pair: opts.pair ?? null,
        add_special_tokens: opts.specialTokens ?? true,
        return_token_type_ids: true,
      })
    } catch (cause) {
      throw new ModelError(
        'TOKENIZER_FAILED',
        `the tokenizer failed on a text: ${(cause as Error).message}`,
        {
          cause,
        },
      )
    }
    for (const id of e.ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize)
        throw new ModelError(
          'TOKENIZER_FAILED',
          `the tokenizer produced token id ${id}, outside its ${this.vocabSize} ids`,
        )
    }
    return { ids: e.ids, typeIds: e.token_type_ids ?? e.ids.map(() => 0) }
  }

  /** Text of `ids`; special tokens are skipped unless asked for. */
  decode(ids: readonly number[], opts: { specialTokens?: boolean } = {}): string {
    try {
      return this.#tok.decode([...ids], { skip_special_tokens: !(opts.specialTokens ?? false) })
    } catch (cause) {
      throw new ModelError(
        'TOKENIZER_FAILED',
        `the tokenizer failed to decode: ${(cause as Error).message}`,
        {
          cause,
        },
      )
    }
  }

  /** Id of a token string (e.g. `</s>`), if the vocabulary has it. */
  tokenId(token: string): number | undefined {
    return this.#tok.token_to_id(token)
  }
}
