import { ModelError } from './errors.ts'
import type { OrtRuntime } from './onnx.ts'

/**
 * onnxruntime-node (native CPU, Node only; `@frugal/models/node`), for the `onnx-node` backend. It is an optional
 * peer: install `onnxruntime-node` with its postinstall disabled (the CPU binaries ship in the
 * package; the script only downloads GPU ones). Refused with `MODEL_LOAD_FAILED` if absent.
 */
export async function loadOnnxNode(): Promise<OrtRuntime> {
  try {
    const ort = (await import('onnxruntime-node')) as unknown as OrtRuntime
    return ort
  } catch (cause) {
    throw new ModelError('MODEL_LOAD_FAILED', 'onnxruntime-node is not installed (npm i onnxruntime-node)', {
      cause,
    })
  }
}
