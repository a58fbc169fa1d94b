// Adds up the JSON reports that every package's vitest run writes and prints one closing
// line, so the whole test command ends with a single "N passed, N failed" summary — also
// when tests failed. A package with tests but no report (its run died before the end)
// is named and counted as a failure.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

interface VitestReport {
  numPassedTests: number
  numFailedTests: number
  numPendingTests: number
  numTodoTests: number
}

const root = new URL('..', import.meta.url).pathname
let passed = 0
let failed = 0
let skipped = 0
const missing: string[] = []
for (const group of ['apps', 'packages', 'workers', 'benchmarks']) {
  const dir = join(root, group)
  if (!existsSync(dir)) continue
  const packages = group === 'benchmarks' ? [dir] : readdirSync(dir).map((name) => join(dir, name))
  for (const pkg of packages) {
    const file = join(pkg, '.tmp', 'vitest-report.json')
    if (!existsSync(file)) {
      if (existsSync(join(pkg, 'vitest.config.ts'))) missing.push(pkg.slice(root.length))
      continue
    }
    const report = JSON.parse(readFileSync(file, 'utf8')) as VitestReport
    passed += report.numPassedTests
    failed += report.numFailedTests
    skipped += report.numPendingTests + report.numTodoTests
  }
}
for (const pkg of missing) console.log(`no test report from ${pkg}: its test run did not finish`)
console.log(
  `${passed} passed, ${failed} failed, ${skipped} skipped${missing.length ? `, ${missing.length} packages without a report` : ''}`,
)
process.exit(failed > 0 || missing.length > 0 ? 1 : 0)
