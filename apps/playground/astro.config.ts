import { isAbsolute, resolve } from 'node:path'
import preact from '@astrojs/preact'
import { defineConfig } from 'astro/config'

// Build-time switches, so tests can build into a separate folder: FRUGAL_PLAYGROUND_OUT and
// FRUGAL_PLAYGROUND_CACHE.
const fromEnv = (name: string): string | undefined => {
  const value = process.env[name]
  if (!value) return undefined
  return isAbsolute(value) ? value : resolve(process.cwd(), value)
}

export default defineConfig({
  // Built for the root of its own Worker; behind the gateway it lives under /playground/ and
  // the gateway rewrites its URLs (HTML, CSS and the islands' component URLs).
  outDir: fromEnv('FRUGAL_PLAYGROUND_OUT') ?? './dist',
  cacheDir: fromEnv('FRUGAL_PLAYGROUND_CACHE') ?? './node_modules/.astro',
  devToolbar: { enabled: false },
  integrations: [preact()],
  build: { format: 'directory', inlineStylesheets: 'never' },
  vite: {
    experimental: {
      // URLs that scripts load (chunks of a dynamic import) are resolved from the importing
      // script's own URL, not from the root: the same build then works under any mount path,
      // which HTML rewriting alone cannot give code.
      renderBuiltUrl: (_file: string, { hostType }: { hostType: string }) =>
        hostType === 'js' ? { relative: true } : undefined,
    },
  },
})
