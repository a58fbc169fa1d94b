/** The version of @frugal/bench, recorded in every result. Kept equal to package.json by a test. */
export const VERSION = '0.1.0'
