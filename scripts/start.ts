// The main job behind `npm start`: starts every edge worker and the site on 127.0.0.1.
// Each service registers itself in `services` below as it lands.
const services: string[] = []

if (services.length === 0) {
  console.log(
    'frugal: the workspace is installed and checked; no edge service is defined yet, so nothing was started.',
  )
}
