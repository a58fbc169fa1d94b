/** Version of the command line, printed by `frugal --version`. */
export const VERSION = '0.1.0'
