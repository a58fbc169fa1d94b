import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)

// The child process loads `./node` with the optional peers made unresolvable (as when they are
// not installed) and reports which of them the module graph asked for, then what each path
// that needs one throws.
const CHILD = `
import { registerHooks } from 'node:module'
const PEERS = ['onnxruntime-node', '@huggingface/transformers']
const asked = []
registerHooks({
  resolve(specifier, context, next) {
    const peer = PEERS.find((p) => specifier === p || specifier.startsWith(p + '/'))
    if (peer) {
      asked.push(peer)
      throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' })
    }
    return next(specifier, context)
  },
})
const node = await import(process.argv[1])
const atLoad = [...asked]
const failure = async (f) => {
  try {
    await f()
    return 'resolved'
  } catch (e) {
    return { name: e.name, code: e.code, message: e.message }
  }
}
const onnx = await failure(() => node.loadOnnxNode())
const transformers = await failure(() => node.TransformersEmbedder.load('/nonexistent', { allowRemoteModels: true }))
console.log(JSON.stringify({ exports: Object.keys(node).sort(), atLoad, asked, onnx, transformers }))
`

describe('@frugal/models/node', () => {
  it('loads without its optional peers and refuses each only on the path that needs it', async () => {
    const entry = fileURLToPath(new URL('./node.ts', import.meta.url))
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD, entry])
    const report = JSON.parse(stdout) as {
      exports: string[]
      atLoad: string[]
      asked: string[]
      onnx: { name: string; code: string; message: string }
      transformers: { name: string; code: string; message: string }
    }
    expect(report.exports).toEqual(
      expect.arrayContaining(['loadModelDir', 'loadOnnxNode', 'TransformersEmbedder', 'enableWasmKernels']),
    )
    expect(report.atLoad).toEqual([])
    expect(report.asked).toEqual(['onnxruntime-node', '@huggingface/transformers'])
    expect(report.onnx).toMatchObject({ name: 'ModelError', code: 'MODEL_LOAD_FAILED' })
    expect(report.onnx.message).toContain('onnxruntime-node is not installed')
    expect(report.transformers).toMatchObject({ name: 'ModelError', code: 'MODEL_LOAD_FAILED' })
    expect(report.transformers.message).toContain('@huggingface/transformers')
  })
})
