import { defineConfig } from 'vitest/config'
import { reporters } from '../../vitest.shared.ts'

export default defineConfig({
  // The tests time real programs: one file at a time, so that they do not slow each other down.
  test: { include: ['src/**/*.test.ts'], reporters, testTimeout: 60_000, fileParallelism: false },
})
