// Rewrites src/manifest.json from models/ (sizes, SHA-256, parameters, headline evaluation) and the
// model table of README.md between its <!-- models --> markers.
import { readFile, writeFile } from 'node:fs/promises'
import { writeManifest } from '../src/node.ts'

const m = await writeManifest()
const rows = Object.entries(m.models).map(([name, e]) => {
  const bytes = Object.values(e.files).reduce((a, f) => a + f.bytes, 0)
  const evaluation = Object.entries(e.evaluation)
    .map(([k, v]) => `${k.replaceAll('_', ' ')}: ${v}`)
    .join('; ')
  console.log(`${name}\t${e.task}\t${e.parameters} parameters\t${bytes} bytes`)
  return `| [${name}](models/${name}/README.md) | ${e.task} | ${e.parameters.toLocaleString('en-US')} | ${(bytes / 1e6).toFixed(2)} MB | ${evaluation} |`
})
const weights = Object.values(m.models).reduce((a, e) => a + (e.files['model.safetensors']?.bytes ?? 0), 0)
const table = [
  '| model | task | parameters | files | headline evaluation (see the card) |',
  '|---|---|---|---|---|',
  ...rows,
  '',
  `Weights in total: ${(weights / 1e6).toFixed(2)} MB of the 48 MB budget.`,
].join('\n')
const readmePath = new URL('../README.md', import.meta.url)
const readme = await readFile(readmePath, 'utf8')
const start = readme.indexOf('<!-- models -->')
const end = readme.indexOf('<!-- /models -->')
if (start < 0 || end < start)
  throw new Error('README.md lacks the <!-- models --> ... <!-- /models --> markers')
await writeFile(readmePath, `${readme.slice(0, start)}<!-- models -->\n${table}\n${readme.slice(end)}`)
