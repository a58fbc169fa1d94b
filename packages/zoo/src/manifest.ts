import { sha256Hex } from '@frugal/ann'
import { z } from 'zod'
import { ZooError } from './errors.ts'

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256')

/** One file of a model directory. */
export const fileEntrySchema = z.strictObject({
  bytes: z.number().int().nonnegative(),
  sha256,
})

/** What a model is for, as the index reports it. */
export const zooTasks = [
  'causal-lm',
  'kv-predictor',
  'feature-extraction',
  'text-classification',
  'extractive-qa',
  'text-embedding',
] as const
export type ZooTask = (typeof zooTasks)[number]

/** One model of the zoo: its Hugging Face directory under `models/`. */
export const modelEntrySchema = z.strictObject({
  task: z.enum(zooTasks),
  /** `config.json`'s `model_type` (`openelm`, `bert`, `kv_predictor`). */
  architecture: z.string().min(1),
  /** Weights in `model.safetensors`. */
  parameters: z.number().int().nonnegative(),
  /** Headline numbers copied from the model's `evaluation.json` (the card has the full table). */
  evaluation: z.record(z.string(), z.union([z.number(), z.string()])),
  files: z.record(z.string().min(1), fileEntrySchema),
})
export type ZooModelEntry = z.infer<typeof modelEntrySchema>

export const manifestSchema = z.strictObject({
  version: z.literal(1),
  models: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), modelEntrySchema),
})
export type ZooManifest = z.infer<typeof manifestSchema>

/** Validate a parsed manifest; refuses with `INVALID_MANIFEST` naming the field. */
export function parseManifest(value: unknown): ZooManifest {
  const r = manifestSchema.safeParse(value)
  if (!r.success) {
    const issue = r.error.issues[0]
    throw new ZooError(
      'INVALID_MANIFEST',
      `manifest.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    )
  }
  return r.data
}

/**
 * Check one model's files against its manifest entry. `read(file)` returns the bytes or `undefined`
 * when the file is absent; `listed` (optional) is every file actually present, to refuse extras.
 */
export async function verifyModelFiles(
  name: string,
  entry: ZooModelEntry,
  read: (file: string) => Promise<Uint8Array | undefined>,
  listed?: readonly string[],
): Promise<void> {
  for (const [file, want] of Object.entries(entry.files)) {
    const bytes = await read(file)
    if (bytes === undefined) throw new ZooError('MISSING_FILE', `${name}/${file} is missing`)
    if (bytes.byteLength !== want.bytes) {
      throw new ZooError(
        'CHECKSUM_MISMATCH',
        `${name}/${file}: ${bytes.byteLength} bytes, the manifest says ${want.bytes}`,
      )
    }
    const got = await sha256Hex(bytes)
    if (got !== want.sha256) {
      throw new ZooError(
        'CHECKSUM_MISMATCH',
        `${name}/${file}: SHA-256 ${got}, the manifest says ${want.sha256}`,
      )
    }
  }
  for (const file of listed ?? []) {
    if (!(file in entry.files)) throw new ZooError('UNLISTED_FILE', `${name}/${file} is not in the manifest`)
  }
}
