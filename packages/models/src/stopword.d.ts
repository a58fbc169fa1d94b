declare module 'stopword' {
  /** English stopword list of the `stopword` package. */
  export const eng: string[]
}
