import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import { reporters } from '../../vitest.shared.ts'

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.jsonc' },
      miniflare: {
        cf: false,
        // A token for the upload tests; real deployments set it with `wrangler secret put`.
        bindings: { UPLOAD_TOKEN: 'test-upload-token', MAX_MODEL_BYTES: '2097152' },
        // No retrieval Worker runs next to these tests (the answers are tested with both Workers
        // running, in workers/gateway): its binding answers as a retrieval API that is down.
        serviceBindings: {
          RETRIEVAL: () =>
            Response.json(
              { error: { code: 'STORAGE_UNAVAILABLE', message: 'no retrieval Worker runs in these tests' } },
              { status: 503 },
            ),
        },
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    reporters,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
