import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Loader } from 'astro/loaders'
import { z } from 'astro/zod'
import { packageDocs } from './package-docs.ts'

/** Loads each workspace package README as a rendered docs page (see {@link packageDocs}). */
export function packageReadmeLoader(repoRoot: string): Loader {
  return {
    name: 'frugal-package-readmes',
    schema: z.object({ title: z.string(), readme: z.string() }),
    load: async ({ store, renderMarkdown, generateDigest }) => {
      store.clear()
      for (const doc of packageDocs(repoRoot)) {
        const text = readFileSync(join(repoRoot, doc.readme), 'utf8')
        const rendered = await renderMarkdown(text)
        store.set({
          id: doc.slug,
          data: { title: doc.title, readme: doc.readme },
          rendered,
          digest: generateDigest(text),
        })
      }
    },
  }
}
