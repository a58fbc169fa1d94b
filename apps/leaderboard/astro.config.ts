import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import starlight from '@astrojs/starlight'
import { defineConfig } from 'astro/config'
import { type ResultEntry, tasksOf } from './src/lib/boards.ts'
import { packageDocs } from './src/lib/package-docs.ts'
import { REPO_ROOT, resultsDir } from './src/lib/paths.ts'

// Pages are prerendered from a bundle in the output folder; they find the repository through this.
process.env['FRUGAL_REPO_ROOT'] ??= REPO_ROOT

// Build-time switches, so tests can build the site from fixture results into a separate folder:
// FRUGAL_RESULTS_DIR (read by the results loader), FRUGAL_SITE_OUT and FRUGAL_SITE_CACHE.
const fromEnv = (name: string): string | undefined => {
  const value = process.env[name]
  if (!value) return undefined
  return isAbsolute(value) ? value : resolve(process.cwd(), value)
}

/**
 * Task names for the sidebar, read leniently from the result files: validation (which fails the
 * build on a bad file) happens in the content loader.
 */
function resultTasks(): ResultEntry[] {
  const dir = resultsDir()
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        const data = JSON.parse(readFileSync(join(dir, f), 'utf8')) as ResultEntry['data']
        return typeof data.task === 'string' ? [{ id: f, data }] : []
      } catch {
        return []
      }
    })
}

const methodSlugs = readdirSync(new URL('./src/content/docs/methods/', import.meta.url))
  .filter((f) => f.endsWith('.mdx') && f !== 'index.mdx')
  .map((f) => f.replace(/\.mdx$/, ''))

export default defineConfig({
  // The public URL, when deployed (canonical links and the sitemap); unset for local builds.
  ...(process.env['FRUGAL_SITE_URL'] ? { site: process.env['FRUGAL_SITE_URL'] } : {}),
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
            ...tasksOf(resultTasks()).map((t) => ({ label: t.title, link: `/leaderboard/${t.task}/` })),
            { label: 'Methodology', link: '/docs/methodology/' },
          ],
        },
        {
          label: 'Docs',
          items: [
            { label: 'Getting started', link: '/docs/getting-started/' },
            // A sibling microfrontend on the same origin (served behind the gateway).
            { label: 'Playground', link: '/playground/' },
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
