import { html } from 'hono/html'

const TITLES: Record<number, string> = {
  404: 'Page not found',
  500: 'Something went wrong',
  502: 'Service unreachable',
  503: 'Service unavailable',
}

/**
 * The gateway's one error page, used for every HTML error (unknown paths and the frontends'
 * own 404s and 5xx). Self-contained: its only style is inline (allowed by the CSP), it loads
 * nothing else, and it reads well in light and dark mode and on a phone.
 */
export function errorPage(status: number, message: string) {
  const title = TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'Request refused')
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${status} · ${title} · Frugal</title>
<style>
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; padding: 1rem; box-sizing: border-box; background: Canvas; color: CanvasText; }
main { max-width: 36rem; }
.code { font-size: 0.9rem; letter-spacing: 0.08em; text-transform: uppercase; opacity: 0.8; }
h1 { margin: 0.25rem 0 1rem; font-size: 1.8rem; }
p { line-height: 1.5; }
nav a { margin-right: 1.25rem; color: LinkText; }
</style>
</head>
<body>
<main>
<p class="code">Error ${status}</p>
<h1>${title}</h1>
<p id="error-message">${message}</p>
<nav aria-label="Where to go"><a href="/">Home</a><a href="/leaderboard/">Leaderboard</a><a href="/playground/">Playground</a><a href="/docs/getting-started/">Docs</a></nav>
</main>
</body>
</html>`
}
