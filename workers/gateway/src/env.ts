import type { Fetcher } from '@cloudflare/workers-types'
import type { ServiceName } from './routes.ts'

/**
 * The gateway's bindings: one service binding per routed Worker (wrangler.jsonc `services`).
 * Every binding is optional: a route whose service is not bound answers 503 `SERVICE_NOT_BOUND`
 * instead of failing, so the gateway deploys before every service exists.
 */
export type Bindings = { [K in ServiceName]?: Fetcher }

export type AppEnv = { Bindings: Bindings; Variables: { nonce: string; service?: string } }
