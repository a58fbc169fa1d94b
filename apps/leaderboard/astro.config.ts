import { readdirSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import starlight from '@astrojs/starlight'
import { defineConfig } from 'astro/config'
import { packageDocs } from './src/lib/package-docs.ts'
import { REPO_ROOT } from './src/lib/paths.ts'

// Build-time switches, so tests can build the site from fixture results into a separate folder:
// FRUGAL_RESULTS_DIR (read by the results loader), FRUGAL_SITE_OUT and FRUGAL_SITE_CACHE.
const fromEnv = (name: string): string | undefined => {
  const value = process.env[name]
  if (!value) return undefined
  return isAbsolute(value) ? value : resolve(process.cwd(), value)
}

const methodSlugs = readdirSync(new URL('./src/content/docs/methods/', import.meta.url))
  .filter((f) => f.endsWith('.mdx') && f !== 'index.mdx')
  .map((f) => f.replace(/\.mdx$/, ''))

export default defineConfig({
  site: 'https://frugal.invalid',
  outDir: fromEnv('FRUGAL_SITE_OUT') ?? './dist',
  cacheDir: fromEnv('FRUGAL_SITE_CACHE') ?? './node_modules/.astro',
  devToolbar: { enabled: false },
  integrations: [
    starlight({
      title: 'Frugal',
      description:
        'Efficient retrieval and inference at the edge: methods, packages and an efficiency leaderboard.',
      customCss: ['./src/styles/site.css'],
      lastUpdated: false,
      pagination: false,
      sidebar: [
        {
          label: 'Leaderboards',
          items: [
            { label: 'All leaderboards', link: '/leaderboard/' },
            { label: 'ANN search', link: '/leaderboard/ann/' },
            { label: 'Retrieval', link: '/leaderboard/retrieval/' },
            { label: 'Worker API latency', link: '/leaderboard/worker/' },
            { label: 'Methodology', link: '/docs/methodology/' },
          ],
        },
        {
          label: 'Docs',
          items: [
            { label: 'Getting started', link: '/docs/getting-started/' },
            { label: 'Worker API', link: '/docs/worker-api/' },
            { label: 'Submit a result', link: '/docs/submit-a-result/' },
          ],
        },
        {
          label: 'Packages',
          items: packageDocs(REPO_ROOT).map((p) => ({ label: p.title, link: `/docs/packages/${p.slug}/` })),
        },
        {
          label: 'Methods',
          items: [
            { label: 'Overview', link: '/methods/' },
            ...methodSlugs.map((slug) => ({ slug: `methods/${slug}` })),
          ],
        },
      ],
    }),
  ],
  vite: {
    server: { fs: { allow: [join(REPO_ROOT)] } },
  },
})
