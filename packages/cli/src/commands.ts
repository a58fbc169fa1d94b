import type { CommandDef } from 'citty'

type LazyCommand = () => Promise<CommandDef>

/**
 * Every `frugal` subcommand, loaded only when it is called so that `frugal --help` stays
 * fast. A package adds its commands by adding one line here.
 */
export const subCommands: Record<string, LazyCommand> = {
  ann: () => import('./commands/ann.ts').then((m) => m.annCommand as CommandDef),
  bench: () => import('./commands/bench.ts').then((m) => m.benchCommand as CommandDef),
  info: () => import('./commands/info.ts').then((m) => m.infoCommand as CommandDef),
  index: () => import('./commands/index.ts').then((m) => m.indexCommand as CommandDef),
  search: () => import('./commands/search.ts').then((m) => m.searchCommand as CommandDef),
  synth: () => import('./commands/synth.ts').then((m) => m.synthCommand as CommandDef),
  models: () => import('./commands/models.ts').then((m) => m.modelsCommand as CommandDef),
  generate: () => import('./commands/generate.ts').then((m) => m.generateCommand as CommandDef),
  vqa: () => import('./commands/vqa.ts').then((m) => m.vqaCommand as CommandDef),
  eval: () => import('./commands/eval.ts').then((m) => m.evalCommand as CommandDef),
}
