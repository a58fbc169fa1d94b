import { ModelError } from './errors.ts'
import type { Tensor } from './safetensors.ts'

/**
 * Hands an architecture its tensors by name and expected shape, refusing a checkpoint that disagrees
 * with its config: a missing tensor, a wrong shape, or (at {@link WeightStore.finish}) a tensor no
 * part of the architecture read. Every refusal is `CONFIG_MISMATCH` naming the tensor.
 */
export class WeightStore {
  readonly #tensors: ReadonlyMap<string, Tensor>
  readonly #used = new Set<string>()
  readonly #prefix: string

  constructor(tensors: ReadonlyMap<string, Tensor>, prefix = '', used?: Set<string>) {
    this.#tensors = tensors
    this.#prefix = prefix
    if (used) this.#used = used
  }

  /** A view whose names are relative to `prefix` (e.g. `language_model.`); usage is shared. */
  scope(prefix: string): WeightStore {
    return new WeightStore(this.#tensors, this.#prefix + prefix, this.#used)
  }

  /** Whether a tensor exists (for optional parts such as a separate `lm_head`). */
  has(name: string): boolean {
    return this.#tensors.has(this.#prefix + name)
  }

  /** The data of tensor `name`, which must have exactly `shape`. */
  get(name: string, shape: readonly number[]): Float32Array {
    const full = this.#prefix + name
    const t = this.#tensors.get(full)
    if (!t) throw new ModelError('CONFIG_MISMATCH', `weights: tensor "${full}" is missing`)
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ModelError(
        'CONFIG_MISMATCH',
        `weights: tensor "${full}" has shape [${t.shape.join(', ')}], the config implies [${shape.join(', ')}]`,
      )
    }
    this.#used.add(full)
    return t.data
  }

  /** Refuse tensors that nothing read (a config that declares fewer layers or heads than the weights hold). */
  finish(): void {
    for (const name of this.#tensors.keys()) {
      if (!this.#used.has(name)) {
        throw new ModelError(
          'CONFIG_MISMATCH',
          `weights: tensor "${name}" is not used by the architecture in config.json`,
        )
      }
    }
  }
}
