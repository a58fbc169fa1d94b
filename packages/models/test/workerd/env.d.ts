declare module '*.wasm' {
  const module: WebAssembly.Module
  export default module
}
declare module '*.onnx' {
  const bytes: ArrayBuffer
  export default bytes
}
declare module '*.safetensors' {
  const bytes: ArrayBuffer
  export default bytes
}
