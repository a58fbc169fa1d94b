import { ZooError } from './errors.ts'
import data from './manifest.json' with { type: 'json' }
import { parseManifest, type ZooManifest, type ZooModelEntry } from './manifest.ts'

export { sha256Hex } from '@frugal/ann'
export { ZooError, type ZooErrorCode } from './errors.ts'
export {
  fileEntrySchema,
  manifestSchema,
  modelEntrySchema,
  parseManifest,
  verifyModelFiles,
  type ZooManifest,
  type ZooModelEntry,
  type ZooTask,
  zooTasks,
} from './manifest.ts'

/** The names of the models in this build of the zoo. */
export type ZooModelName = keyof typeof data.models

/** The zoo's manifest (validated when this module loads). */
export const manifest: ZooManifest = parseManifest(data)

/** A model of the index with its name. */
export interface ZooModel extends ZooModelEntry {
  name: string
  /** Bytes of all its files. */
  bytes: number
}

/** Every model of the zoo, sorted by name. */
export function zooModels(): ZooModel[] {
  return Object.keys(manifest.models)
    .sort()
    .map((name) => zooModel(name))
}

/** One model of the zoo by name; refuses an unknown name with `UNKNOWN_MODEL` listing the known ones. */
export function zooModel(name: string): ZooModel {
  const entry = manifest.models[name]
  if (!entry) {
    throw new ZooError(
      'UNKNOWN_MODEL',
      `no model "${name}" in the zoo; known: ${Object.keys(manifest.models).sort().join(', ') || 'none'}`,
    )
  }
  return { name, ...entry, bytes: Object.values(entry.files).reduce((a, f) => a + f.bytes, 0) }
}
