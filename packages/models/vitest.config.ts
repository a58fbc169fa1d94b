import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import { reporters } from '../../vitest.shared.ts'

export default defineConfig({
  test: {
    reporters,
    projects: [
      { test: { name: 'node', include: ['src/**/*.test.ts'], testTimeout: 60_000 } },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './test/workerd/wrangler.jsonc' },
            miniflare: { cf: false },
          }),
        ],
        test: { name: 'workerd', include: ['test/workerd/**/*.test.ts'], testTimeout: 60_000 },
      },
    ],
  },
})
