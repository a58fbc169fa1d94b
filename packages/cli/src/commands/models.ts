import { freshTokens, ModelError } from '@frugal/models'
import { findModels } from '@frugal/models/node'
import { defineCommand } from 'citty'
import {
  KERNELS_ARG,
  loadNamedModel,
  modelGuarded,
  modelRoots,
  repeated,
  setKernels,
} from './model-files-node.ts'

const listCommand = defineCommand({
  meta: {
    name: 'list',
    description: 'List the models of the zoo and of --dir folders: name, architecture, parameters, bytes',
  },
  args: {
    dir: { type: 'string', description: 'Also search this folder (repeatable)', valueHint: 'DIR' },
    json: { type: 'boolean', default: false, description: 'Print JSON' },
  },
  run: ({ args, rawArgs }) =>
    modelGuarded('models list', args.json, async () => {
      const roots = modelRoots(repeated(rawArgs, 'dir'))
      const models = await findModels(roots)
      if (args.json) {
        console.log(
          JSON.stringify(
            models.map(({ name, architecture, head, parameters, bytes, dir, error }) => ({
              name,
              architecture,
              head,
              parameters,
              bytes,
              dir,
              error,
            })),
          ),
        )
        return
      }
      if (models.length === 0) {
        console.log(`no models in ${roots.join(', ') || '(no folders: pass --dir or set FRUGAL_MODELS)'}`)
        return
      }
      const rows = models.map((m) => [
        m.name,
        m.head ? `${m.architecture} (${m.head})` : m.architecture,
        m.parameters.toLocaleString('en-US'),
        m.bytes.toLocaleString('en-US'),
      ])
      const head = ['name', 'architecture', 'parameters', 'bytes']
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
      for (const r of [head, ...rows])
        console.log(r.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  '))
    }),
})

const logitsCommand = defineCommand({
  meta: { name: 'logits', description: 'Next-token logits of a decoder after TEXT: {tokens, logits}' },
  args: {
    model: { type: 'string', description: 'Model name or folder', valueHint: 'NAME|DIR' },
    text: { type: 'string', description: 'Input text', valueHint: 'TEXT' },
    dir: {
      type: 'string',
      description: 'Also search this folder for the model (repeatable)',
      valueHint: 'DIR',
    },
    kernels: KERNELS_ARG,
    json: { type: 'boolean', default: false, description: 'Print JSON' },
  },
  run: ({ args, rawArgs }) =>
    modelGuarded('models logits', args.json, async () => {
      if (!args.model) throw new ModelError('INVALID_ARGUMENT', '--model is required')
      if (args.text === undefined) throw new ModelError('INVALID_ARGUMENT', '--text is required')
      await setKernels(args.kernels)
      const m = await loadNamedModel(args.model, modelRoots(repeated(rawArgs, 'dir')))
      if (m.arch !== 'openelm' || !m.tokenizer) {
        throw new ModelError(
          'UNSUPPORTED_ARCHITECTURE',
          `${args.model} is a ${m.arch} model; logits need a decoder with a tokenizer`,
        )
      }
      const ids = m.tokenizer.encode(args.text).ids
      if (ids.length > m.model.config.max_context_length) {
        throw new ModelError(
          'CONTEXT_OVERFLOW',
          `${ids.length} tokens exceed the context of ${m.model.config.max_context_length}`,
        )
      }
      const out = m.model.forward(m.model.embed(ids), freshTokens(ids.length))
      const logits = Array.from(out.logits)
      if (args.json) console.log(JSON.stringify({ tokens: ids, logits }))
      else {
        const top = logits
          .map((v, i) => [v, i] as const)
          .sort((a, b) => b[0] - a[0])
          .slice(0, 5)
        console.log(`${ids.length} tokens; top next tokens:`)
        for (const [v, i] of top)
          console.log(
            `  ${String(i).padStart(6)}  ${JSON.stringify(m.tokenizer.decode([i]))}  ${v.toFixed(4)}`,
          )
      }
    }),
})

/** `frugal models`: list models and print a decoder's logits. */
export const modelsCommand = defineCommand({
  meta: { name: 'models', description: 'Model zoo and native runtime: list models, print logits' },
  subCommands: { list: listCommand, logits: logitsCommand },
})
