import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** A README of a workspace package that the docs publish as its API page. */
export interface PackageDoc {
  /** URL segment: `ann`, `worker-retrieval`, `benchmarks`. */
  slug: string
  /** Sidebar label: the package name from its package.json. */
  title: string
  /** README path relative to the repository root. */
  readme: string
}

const GROUPS: ReadonlyArray<{ dir: string; prefix: string }> = [
  { dir: 'packages', prefix: '' },
  { dir: 'workers', prefix: 'worker-' },
]

function nameOf(dir: string, fallback: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }
    return typeof pkg.name === 'string' ? pkg.name : fallback
  } catch {
    return fallback
  }
}

/**
 * Every package, worker and the benchmarks package of the repository that has a README, in a stable
 * order. The docs render these READMEs, so the API pages follow the code as packages land.
 */
export function packageDocs(repoRoot: string): PackageDoc[] {
  const docs: PackageDoc[] = []
  for (const { dir, prefix } of GROUPS) {
    const base = join(repoRoot, dir)
    if (!existsSync(base)) continue
    for (const name of readdirSync(base).sort()) {
      const readme = join(base, name, 'README.md')
      if (!existsSync(readme)) continue
      docs.push({
        slug: `${prefix}${name}`,
        title: nameOf(join(base, name), name),
        readme: `${dir}/${name}/README.md`,
      })
    }
  }
  if (existsSync(join(repoRoot, 'benchmarks', 'README.md'))) {
    docs.push({
      slug: 'benchmarks',
      title: nameOf(join(repoRoot, 'benchmarks'), 'benchmarks'),
      readme: 'benchmarks/README.md',
    })
  }
  return docs
}
