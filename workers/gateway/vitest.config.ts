import { defineConfig } from 'vitest/config'
import { reporters } from '../../vitest.shared.ts'

// The gateway is tested in front of the real Workers (started once by the global setup with
// wrangler's unstable_startWorker), over HTTP and in Chromium.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    reporters,
    testTimeout: 60_000,
    // A page waits on the Workers; on a busy shared machine a second is not always enough.
    expect: { poll: { timeout: 20_000, interval: 100 } },
    hookTimeout: 120_000,
    // Both files drive the same Workers; one browser at a time keeps a 2-core machine responsive.
    fileParallelism: false,
  },
})
