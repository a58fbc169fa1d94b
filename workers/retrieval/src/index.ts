import { createApp } from './app.ts'

/** The worker: the retrieval API with one index store per isolate. */
export default createApp()
