import { defineConfig } from 'vitest/config'
import { reporters } from '../../vitest.shared.ts'

// The pure pieces run in Node here; the middleware and the R2 store are exercised inside
// workerd by the workers that use them (workers/retrieval, workers/inference).
export default defineConfig({ test: { include: ['src/**/*.test.ts'], reporters } })
