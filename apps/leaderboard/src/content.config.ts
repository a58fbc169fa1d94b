import { defineCollection } from 'astro:content'
import { docsLoader } from '@astrojs/starlight/loaders'
import { docsSchema } from '@astrojs/starlight/schema'
import { packageReadmeLoader } from './lib/package-loader.ts'
import { REPO_ROOT, resultsDir } from './lib/paths.ts'
import { resultsLoader } from './lib/results-loader.ts'

export const collections = {
  docs: defineCollection({ loader: docsLoader(), schema: docsSchema() }),
  // Every benchmark result file, validated by the @frugal/bench schema; one bad file fails the build.
  results: defineCollection({ loader: resultsLoader(() => resultsDir()) }),
  // The READMEs of the workspace packages, published as their API pages.
  packages: defineCollection({ loader: packageReadmeLoader(REPO_ROOT) }),
}
