import { createRequire } from 'node:module'

import { Readability } from '@mozilla/readability'
import type { VirtualConsole } from 'jsdom'

/**
 * The article of a whole scraped web page as Firefox's reader view finds it (Mozilla Readability, scored
 * on text density rather than on class names, so pages of templates we have never seen are read the
 * way every read-later tool reads them). The acceptance check (`fidelity.mjs`) judges pages against
 * the same reader view, so the importer and the judge agree on what the article is.
 *
 * Readability needs a DOM. It runs on linkedom's first: a page costs about 7 ms there against about
 * 30 ms on jsdom's, which was the largest single cost of importing the 64k archive. On the 1,671
 * pages of the two corpora, the article text was the same on both for 1,652 and within the judge's
 * 0.98 recall for the rest. linkedom builds its tree with htmlparser2, which does not repair
 * malformed markup the way a browser does; jsdom (parse5) does. So where Readability finds no usable
 * article on linkedom's tree, or fails on it, the page is read again on jsdom's before the importer
 * falls back to keeping the whole page.
 */

/** Fewer visible characters than this (whitespace aside) is not an article: the judge's own floor. */
export const READER_VIEW_MIN_CHARS = 200

export type ReaderView =
  { ok: true; html: string; text: string; dom: Dom } | { ok: false; reason: string }

type Linkedom = typeof import('linkedom')
type Jsdom = typeof import('jsdom')
let linkedom: Linkedom | undefined
let jsdom: { module: Jsdom; quiet: VirtualConsole } | undefined

/**
 * Both DOMs are loaded with Node's own require when the first page is read. The admin (Next.js)
 * bundles the config, which reaches this module through the import job, and never reads a page:
 * loaded at the top, jsdom and its ESM-only dependencies were loaded by every admin render (and
 * failed to load under Jest's module system, which the admin test runs in). jsdom's virtual console
 * keeps its complaints about a page's CSS, none of the importer's business, off the console.
 */
const require = createRequire(import.meta.url)
const loadLinkedom = () => (linkedom ??= require('linkedom') as Linkedom)
const loadJsdom = () => {
  if (!jsdom) {
    const module = require('jsdom') as Jsdom
    jsdom = { module, quiet: new module.VirtualConsole() }
  }
  return jsdom
}

const visibleLength = (text: string): number => text.replace(/\s+/g, '').length

type Article = { html: string; text: string }
type Attempt = { article?: Article; reason: string }

const read = (document: Document): Attempt => {
  const article = new Readability(document).parse()
  const text =
    article?.textContent?.replace(/(?:\s|\u200b|\u200c|\u200d|\ufeff)+/g, ' ').trim() ?? ''
  if (!article?.content) return { reason: 'the reader view found no article' }
  if (visibleLength(text) < READER_VIEW_MIN_CHARS) {
    return {
      reason: `the reader view found only ${visibleLength(text)} characters of article text`,
    }
  }
  return { article: { html: article.content, text }, reason: '' }
}

/**
 * linkedom's document for a page. A page that has no `<body>` (most scraped pages start at their
 * `<article>` or `<div>`) is parsed again wrapped in one: linkedom, unlike a browser, makes a
 * fragment's first element the document element. Its `baseURI` and `documentURI` are the page's URL (a `<base>` in the page
 * resolved against it), as jsdom gives them, so that Readability makes relative links absolute.
 */
const linkedomDocument = (html: string, url?: string): Document => {
  const { parseHTML } = loadLinkedom()
  const parse = (page: string) => (parseHTML(page) as unknown as { document: Document }).document
  let document = parse(html)
  if (!document.body || document.documentElement?.localName !== 'html')
    document = parse(`<!DOCTYPE html><html><head></head><body>${html}</body></html>`)
  if (url) {
    let base = url
    try {
      const declared = document.querySelector('base[href]')?.getAttribute('href')
      if (declared) base = new URL(declared, url).href
    } catch {
      // An unusable <base href> is ignored, as a browser ignores it.
    }
    Object.defineProperty(document, 'baseURI', { value: base })
    Object.defineProperty(document, 'documentURI', { value: url })
  }
  return document
}

/**
 * A page Readability fails on is a row's reason; a DOM that cannot be loaded is not (a broken
 * install): it throws, and the file fails with it, rather than every page silently taking the slow
 * path or keeping its chrome.
 */
const onLinkedom = (html: string, url?: string): Attempt => {
  loadLinkedom()
  try {
    return read(linkedomDocument(html, url))
  } catch (err) {
    return { reason: `the reader view failed: ${(err as Error).message}` }
  }
}

/**
 * One JSDOM per page, closed before returning: jsdom keeps a window's timers and listeners alive
 * until `close()`. Callers let the event loop turn between pages (the importer's workers take one
 * file per message): jsdom's weak references are only released then. No scripts run and no resource
 * is fetched (jsdom's defaults).
 */
const onJsdom = (html: string, url?: string): Attempt => {
  let window: { close(): void } | undefined
  const { module, quiet } = loadJsdom()
  try {
    const dom = new module.JSDOM(html, { url, virtualConsole: quiet })
    window = dom.window
    return read(dom.window.document as unknown as Document)
  } catch (err) {
    return { reason: `the reader view failed: ${(err as Error).message}` }
  } finally {
    window?.close()
  }
}

type Dom = 'linkedom' | 'jsdom'

/** Readability over one page on one DOM (the importer uses `readerView`; the tests compare DOMs). */
export const readerViewOn = (dom: Dom, html: string, url?: string): ReaderView => {
  const attempt = dom === 'linkedom' ? onLinkedom(html, url) : onJsdom(html, url)
  return attempt.article
    ? { ok: true, ...attempt.article, dom }
    : { ok: false, reason: attempt.reason }
}

/** Runs Readability over one page (see the top of this file). `url` resolves relative links. */
export const readerView = (html: string, url?: string): ReaderView => {
  const first = readerViewOn('linkedom', html, url)
  return first.ok ? first : readerViewOn('jsdom', html, url)
}
