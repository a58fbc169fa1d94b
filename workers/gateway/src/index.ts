import { createApp } from './app.ts'

/** The worker: the router in front of the site, the playground and the APIs. */
export default createApp()
