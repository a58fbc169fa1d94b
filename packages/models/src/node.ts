// Node-only entry point (`@frugal/models/node`): the transformers.js embedder, which reads a
// model folder from disk. `@huggingface/transformers` is an optional peer, loaded on first use.
export { TransformersEmbedder, type TransformersEmbedderOptions } from './transformers-node.ts'
