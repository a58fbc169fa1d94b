/**
 * The Content-Security-Policy of every page: only this origin's scripts, styles, images, fonts
 * and connections; inline scripts only with the response's nonce; `'wasm-unsafe-eval'` so the
 * apps can compile their own WebAssembly (never `'unsafe-eval'`). Inline styles stay allowed:
 * Astro and Observable Plot write `style` attributes.
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'wasm-unsafe-eval'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** Headers every response of the gateway carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
}

/** One year: the longest `max-age` browsers honour, for files whose name holds their hash. */
const IMMUTABLE = 'public, max-age=31536000, immutable'

/**
 * The `Cache-Control` of a frontend response by the path its app saw: content-hashed build
 * output (`/_astro/`) is immutable; pages are revalidated on every visit so a deploy shows at
 * once; other static files (search index, results data, icons) are cached for an hour.
 */
export function frontendCacheControl(path: string, contentType: string, status: number): string {
  if (status >= 400) return 'no-store'
  if (path.startsWith('/_astro/') && status < 300) return IMMUTABLE
  if (contentType.includes('text/html') || status >= 300) return 'public, max-age=0, must-revalidate'
  return 'public, max-age=3600'
}

/** A random nonce for one response's CSP (128 bits, base64). */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return btoa(String.fromCharCode(...bytes))
}
