// Node-only helpers to run this worker locally (used by `npm start` and the benchmarks):
// `wrangler dev` on 127.0.0.1 and model-set uploads through the API.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type DevServer,
  type DevServerOptions,
  startDevServer as start,
  uploadSet,
} from '@frugal/worker-shared/dev'
import { fixtureModelSets } from './model-sets.ts'

export { uploadSet }

const workerDir = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Starts `wrangler dev` for the inference worker (see `@frugal/worker-shared/dev`). */
export function startDevServer(options: Omit<DevServerOptions, 'workerDir'>): Promise<DevServer> {
  return start({ ...options, workerDir })
}

/** Uploads the random-initialised fixture models under their fixture names; returns the names. */
export async function uploadFixtureModels(url: string, token: string): Promise<string[]> {
  const sets = fixtureModelSets()
  for (const [name, files] of sets) await uploadSet(`${url}/v1/models/${name}`, files, token)
  return [...sets.keys()]
}
