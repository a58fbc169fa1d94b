// Node-only: builds model sets (the files `PUT /v1/models/{name}` takes, with their manifest)
// from Hugging Face model folders, and the sets of the @frugal/models parity fixtures that
// `npm start` and the tests upload.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
/** The random-initialised parity fixtures of @frugal/models. */
export const FIXTURES_DIR = join(repo, 'packages', 'models', 'fixtures')
/** The trained models of @frugal/zoo. */
export const ZOO_DIR = join(repo, 'packages', 'zoo', 'models')

/** What a model set is built from. */
export interface ModelSetSource {
  /** Folder with config.json, model.safetensors and (text models) tokenizer.json. */
  dir: string
  description: string
  /** False for random-initialised models. */
  trained: boolean
  /** KV Prediction: the auxiliary model's folder and the predictor's folder. */
  kvPrediction?: { aux: string; predictor: string }
  labels?: string[]
  density?: number
  costTable?: { reduction: string; accuracy: number; flops: number }[]
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

/** The files of a model set, `manifest.json` included, by name. */
export function buildModelSet(source: ModelSetSource): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>()
  const add = (name: string, path: string) => files.set(name, new Uint8Array(readFileSync(path)))
  add('config.json', join(source.dir, 'config.json'))
  add('model.safetensors', join(source.dir, 'model.safetensors'))
  if (existsSync(join(source.dir, 'tokenizer.json')))
    add('tokenizer.json', join(source.dir, 'tokenizer.json'))
  if (source.kvPrediction) {
    add('aux.config.json', join(source.kvPrediction.aux, 'config.json'))
    add('aux.model.safetensors', join(source.kvPrediction.aux, 'model.safetensors'))
    add('predictor.config.json', join(source.kvPrediction.predictor, 'config.json'))
    add('predictor.model.safetensors', join(source.kvPrediction.predictor, 'model.safetensors'))
  }
  const manifest = {
    format: 'frugal-model-set',
    version: 1,
    description: source.description,
    trained: source.trained,
    files: Object.fromEntries(
      [...files].map(([name, data]) => [name, { bytes: data.byteLength, sha256: sha256(data) }]),
    ),
    ...(source.labels ? { labels: source.labels } : {}),
    ...(source.density !== undefined ? { density: source.density } : {}),
    ...(source.costTable ? { costTable: source.costTable } : {}),
  }
  files.set('manifest.json', new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`))
  return files
}

const RANDOM =
  'Random-initialised test model (a parity fixture of @frugal/models); its outputs carry no meaning.'

/**
 * The fixture models served under their fixture names, each labelled as random-initialised:
 * the OpenELM decoder with its KV Prediction pair, the VLM (ToMe, PuMer, Victor), the BERT
 * classifier, the extractive reader and the Matryoshka embedder.
 */
export function fixtureModelSets(dir = FIXTURES_DIR): Map<string, Map<string, Uint8Array>> {
  return new Map([
    [
      'openelm',
      buildModelSet({
        dir: join(dir, 'openelm'),
        description: `OpenELM decoder with a KV Prediction auxiliary model and predictor. ${RANDOM}`,
        trained: false,
        kvPrediction: { aux: join(dir, 'openelm-aux'), predictor: join(dir, 'openelm-kvp') },
      }),
    ],
    [
      'vlm',
      buildModelSet({
        dir: join(dir, 'vlm'),
        description: `ViT + OpenELM VLM with registers. ${RANDOM}`,
        trained: false,
      }),
    ],
    [
      'bert-classifier',
      buildModelSet({
        dir: join(dir, 'bert-classifier'),
        description: `BERT sequence classifier. ${RANDOM}`,
        trained: false,
      }),
    ],
    [
      'bert-reader',
      buildModelSet({
        dir: join(dir, 'bert-reader'),
        description: `BERT extractive reader. ${RANDOM}`,
        trained: false,
      }),
    ],
    [
      'bert-embedder',
      buildModelSet({
        dir: join(dir, 'bert-embedder'),
        description: `BERT Matryoshka embedder. ${RANDOM}`,
        trained: false,
      }),
    ],
  ])
}

/** The first paragraph of a model card (after its title), as the set's description. */
function cardSummary(dir: string): string {
  const card = readFileSync(join(dir, 'README.md'), 'utf8')
  const paragraph = card.split('\n\n').find((p) => p.trim() !== '' && !p.startsWith('#')) ?? ''
  const text = paragraph.replace(/\s+/g, ' ').trim()
  return text.length > 480 ? `${text.slice(0, 479)}…` : text
}

/**
 * The trained models of @frugal/zoo that this API serves, under their zoo names: the OpenELM
 * base with its auxiliary model and KV predictor, the spam classifier and its APT-pruned copies
 * (each density its own set), the Matryoshka embedder and the extractive reader.
 * Returns an empty map when the zoo is not there.
 */
export function zooModelSets(dir = ZOO_DIR): Map<string, Map<string, Uint8Array>> {
  const sets = new Map<string, Map<string, Uint8Array>>()
  if (!existsSync(join(dir, 'frugal-elm-base', 'config.json'))) return sets
  const card = (name: string) => ({
    dir: join(dir, name),
    description: cardSummary(join(dir, name)),
    trained: true,
  })
  sets.set(
    'frugal-elm-base',
    buildModelSet({
      ...card('frugal-elm-base'),
      kvPrediction: { aux: join(dir, 'frugal-elm-aux'), predictor: join(dir, 'frugal-elm-base-kvp-aux') },
    }),
  )
  // SpamAssassin labels: 1 = spam (training/data.py).
  const labels = ['ham', 'spam']
  sets.set('frugal-enc-spam', buildModelSet({ ...card('frugal-enc-spam'), labels, density: 1 }))
  // The APT-pruned copies, each density its own set: APT's target density (the cards give the
  // measured block density, 0.5999 and 0.3997).
  for (const [name, density] of [
    ['frugal-enc-spam-apt60', 0.6],
    ['frugal-enc-spam-apt40', 0.4],
  ] as const) {
    if (existsSync(join(dir, name))) sets.set(name, buildModelSet({ ...card(name), labels, density }))
  }
  sets.set('frugal-embed', buildModelSet(card('frugal-embed')))
  sets.set('frugal-reader', buildModelSet(card('frugal-reader')))
  return sets
}
