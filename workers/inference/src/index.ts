import { createApp } from './app.ts'

/** The worker: the inference API with one model store per isolate. */
export default createApp()
