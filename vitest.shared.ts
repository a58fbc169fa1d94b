// Settings every package's vitest config shares: the terminal reporter plus a JSON report
// that scripts/test-summary.ts adds up into the test command's closing line.
export const reporters: ['default', ['json', { outputFile: string }]] = [
  'default',
  ['json', { outputFile: '.tmp/vitest-report.json' }],
]
