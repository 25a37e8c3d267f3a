import { createRequire } from 'node:module'

import { Readability } from '@mozilla/readability'
import type { JSDOM, VirtualConsole } from 'jsdom'

/**
 * The article of a whole scraped web page as Firefox's reader view finds it (Mozilla Readability, scored
 * on text density rather than on class names, so pages of templates we have never seen are read the
 * way every read-later tool reads them). The acceptance check (`fidelity.mjs`) judges pages against
 * the same reader view, so the importer and the judge agree on what the article is.
 */

/** Fewer visible characters than this (whitespace aside) is not an article: the judge's own floor. */
export const READER_VIEW_MIN_CHARS = 200

export type ReaderView = { ok: true; html: string; text: string } | { ok: false; reason: string }

type Jsdom = typeof import('jsdom')
let jsdom: { module: Jsdom; quiet: VirtualConsole } | undefined

/**
 * jsdom, loaded with Node's own require when the first page is read. The admin (Next.js) bundles the
 * config, which reaches this module through the import job, and never reads a page: loaded at the
 * top, jsdom and its ESM-only dependencies were loaded by every admin render (and failed to load
 * under Jest's module system, which the admin test runs in). The virtual console keeps jsdom's
 * complaints about a page's CSS, none of the importer's business, off the console.
 */
const loadJsdom = () => {
  if (!jsdom) {
    const module = createRequire(import.meta.url)('jsdom') as Jsdom
    jsdom = { module, quiet: new module.VirtualConsole() }
  }
  return jsdom
}

const visibleLength = (text: string): number => text.replace(/\s+/g, '').length

/**
 * Runs Readability over one page. One JSDOM per page, closed before returning: jsdom keeps a window's
 * timers and listeners alive until `close()`, and thousands of pages must not pile up. Callers let the
 * event loop turn between pages (the importer yields once per file; a worker takes one file per
 * message): jsdom's weak references are only released then, and 700 pages in one synchronous loop
 * held over 2 GB. (One shared window parsing each page with its DOMParser was tried: it keeps every
 * document it parsed.) No scripts run and no resource is fetched (jsdom's defaults). `url` lets
 * Readability resolve relative links.
 */
export const readerView = (html: string, url?: string): ReaderView => {
  let dom: JSDOM | undefined
  try {
    const { module, quiet } = loadJsdom()
    dom = new module.JSDOM(html, { url, virtualConsole: quiet })
    const article = new Readability(dom.window.document).parse()
    const text =
      article?.textContent?.replace(/(?:\s|\u200b|\u200c|\u200d|\ufeff)+/g, ' ').trim() ?? ''
    if (!article?.content || visibleLength(text) < READER_VIEW_MIN_CHARS) {
      return {
        ok: false,
        reason: article?.content
          ? `the reader view found only ${visibleLength(text)} characters of article text`
          : 'the reader view found no article',
      }
    }
    return { ok: true, html: article.content, text }
  } catch (err) {
    return { ok: false, reason: `the reader view failed: ${(err as Error).message}` }
  } finally {
    dom?.window.close()
  }
}
