// Node-only helpers to run this worker locally (used by `npm start` and the benchmarks):
// `wrangler dev` on 127.0.0.1 in its own process group (see @frugal/worker-shared/dev), and
// index-set uploads through the API.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type DevServer,
  freePort,
  type DevServerOptions as SharedOptions,
  startDevServer as start,
  tarDirectory,
  uploadSet,
} from '@frugal/worker-shared/dev'

export { type DevServer, freePort, tarDirectory }

const workerDir = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Options of {@link startDevServer}. */
export type DevServerOptions = Omit<SharedOptions, 'workerDir'>

/**
 * Starts `wrangler dev` for this worker on 127.0.0.1 (free ports, metrics and the `cf` fetch off,
 * the inspector on a free loopback port) and resolves once `/healthz` answers 200.
 */
export function startDevServer(options: DevServerOptions): Promise<DevServer> {
  return start({ ...options, workerDir })
}

/** Uploads an index-set folder as `name`; throws with the API's error message when refused. */
export function uploadIndexSet(url: string, name: string, dir: string, token: string): Promise<void> {
  return uploadSet(`${url}/v1/indexes/${name}`, dir, token)
}
