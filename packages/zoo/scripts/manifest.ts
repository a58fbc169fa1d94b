// Rewrites manifest.json from models/ (sizes, SHA-256, parameters, headline evaluation).
import { writeManifest } from '../src/index-node.ts'

const m = await writeManifest()
for (const [name, e] of Object.entries(m.models)) {
  const bytes = Object.values(e.files).reduce((a, f) => a + f.bytes, 0)
  console.log(`${name}\t${e.task}\t${e.parameters} parameters\t${bytes} bytes`)
}
