import { Readability } from '@mozilla/readability'
import { JSDOM, VirtualConsole } from 'jsdom'

/**
 * The article of a whole scraped web page as Firefox's reader view finds it (Mozilla Readability, scored
 * on text density rather than on class names, so pages of templates we have never seen are read the
 * way every read-later tool reads them). The acceptance check (`fidelity.mjs`) judges pages against
 * the same reader view, so the importer and the judge agree on what the article is.
 */

/** Fewer visible characters than this (whitespace aside) is not an article: the judge's own floor. */
export const READER_VIEW_MIN_CHARS = 200

export type ReaderView = { ok: true; html: string; text: string } | { ok: false; reason: string }

/** jsdom reports CSS it cannot parse to the console; a page's CSS is none of the importer's business. */
const quiet = new VirtualConsole()

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
    dom = new JSDOM(html, { url, virtualConsole: quiet })
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
