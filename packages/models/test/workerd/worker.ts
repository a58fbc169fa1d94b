// The entry workerd needs to start; the tests import the modules they exercise directly.
export default {
  fetch(): Response {
    return new Response('frugal models test worker')
  },
}
