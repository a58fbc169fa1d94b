import type { Element, Text, HTMLRewriter as WorkersHTMLRewriter } from '@cloudflare/workers-types'

declare const HTMLRewriter: typeof WorkersHTMLRewriter

/**
 * Prefixes a root-relative URL (`/x`) with the mount prefix; protocol-relative (`//host`),
 * absolute, relative and fragment URLs are left alone.
 */
export function prefixUrl(value: string, prefix: string): string {
  if (prefix === '' || !value.startsWith('/') || value.startsWith('//')) return value
  if (value === prefix || value.startsWith(`${prefix}/`)) return value
  return `${prefix}${value}`
}

/** Rewrites every URL of a `srcset` list (`url 1x, url 2x`). */
export function prefixSrcset(value: string, prefix: string): string {
  return value
    .split(',')
    .map((part) => {
      const trimmed = part.trim()
      const space = trimmed.search(/\s/)
      const url = space < 0 ? trimmed : trimmed.slice(0, space)
      return `${prefixUrl(url, prefix)}${space < 0 ? '' : trimmed.slice(space)}`
    })
    .join(', ')
}

const CSS_URL = /url\(\s*(['"]?)(\/(?!\/)[^'")]*)\1\s*\)/g
const CSS_IMPORT = /@import\s+(['"])(\/(?!\/)[^'"]*)\1/g

/** Rewrites root-relative `url(...)` and `@import "..."` references of a style sheet. */
export function rewriteCss(css: string, prefix: string): string {
  if (prefix === '') return css
  return css
    .replace(CSS_URL, (_m, q: string, url: string) => `url(${q}${prefixUrl(url, prefix)}${q})`)
    .replace(CSS_IMPORT, (_m, q: string, url: string) => `@import ${q}${prefixUrl(url, prefix)}${q}`)
}

/** Attributes holding one URL, by element selector. */
const URL_ATTRIBUTES: ReadonlyArray<[selector: string, attribute: string]> = [
  ['a[href]', 'href'],
  ['link[href]', 'href'],
  ['area[href]', 'href'],
  ['use[href]', 'href'],
  ['image[href]', 'href'],
  ['script[src]', 'src'],
  ['img[src]', 'src'],
  ['source[src]', 'src'],
  ['video[src]', 'src'],
  ['video[poster]', 'poster'],
  ['audio[src]', 'src'],
  ['iframe[src]', 'src'],
  ['embed[src]', 'src'],
  ['track[src]', 'src'],
  ['form[action]', 'action'],
  ['button[formaction]', 'formaction'],
  ['object[data]', 'data'],
  // Astro islands load their component and renderer by URL when they hydrate.
  ['astro-island[component-url]', 'component-url'],
  ['astro-island[renderer-url]', 'renderer-url'],
  ['astro-island[before-hydration-url]', 'before-hydration-url'],
  // <meta name="frugal-base" content="/"> and similar: the app's own idea of where it lives.
  ['meta[data-rewrite][content]', 'content'],
]

/** What {@link rewriteHtml} does besides moving URLs under the prefix. */
export interface HtmlOptions {
  /** Mount prefix of the app (`''` for the root: URLs stay as they are). */
  prefix: string
  /** Added to every inline `<script>` so that the CSP can refuse any other inline script. */
  nonce: string
}

/**
 * Rewrites an HTML response of a microfrontend for the path it is mounted under: URL
 * attributes, `srcset`s, inline `style` attributes and `<style>` sheets; and gives inline
 * scripts the response's CSP nonce. Streams; the body is never buffered whole.
 */
export function rewriteHtml(response: Response, { prefix, nonce }: HtmlOptions): Response {
  let rewriter = new HTMLRewriter().on('script', {
    element(el: Element) {
      if (!el.hasAttribute('src')) el.setAttribute('nonce', nonce)
    },
  })
  if (prefix !== '') {
    for (const [selector, attribute] of URL_ATTRIBUTES) {
      rewriter = rewriter.on(selector, {
        element(el: Element) {
          const value = el.getAttribute(attribute)
          if (value !== null) el.setAttribute(attribute, prefixUrl(value, prefix))
        },
      })
    }
    for (const selector of ['img[srcset]', 'source[srcset]', 'link[imagesrcset]']) {
      const attribute = selector.startsWith('link') ? 'imagesrcset' : 'srcset'
      rewriter = rewriter.on(selector, {
        element(el: Element) {
          const value = el.getAttribute(attribute)
          if (value !== null) el.setAttribute(attribute, prefixSrcset(value, prefix))
        },
      })
    }
    rewriter = rewriter.on('[style]', {
      element(el: Element) {
        const value = el.getAttribute('style')
        if (value !== null) el.setAttribute('style', rewriteCss(value, prefix))
      },
    })
    // A <style> sheet can arrive in several text chunks: collect it, write it once at its end.
    let sheet = ''
    rewriter = rewriter.on('style', {
      text(chunk: Text) {
        sheet += chunk.text
        if (chunk.lastInTextNode) {
          chunk.replace(rewriteCss(sheet, prefix), { html: true })
          sheet = ''
        } else {
          chunk.remove()
        }
      },
    })
  }
  // The Workers and the DOM typings of Response differ only nominally.
  return rewriter.transform(response as never) as unknown as Response
}
