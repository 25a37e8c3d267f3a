import type { ChildNode, Element } from 'domhandler'
import { parseDocument } from 'htmlparser2'

import { isEmbeddableUrl, safeEmbedFallback } from '../richtext/html'
import { stripJunk } from '../lib/clean'
import { readerView } from './readerView'
import {
  FORMAT,
  type LexBlockNode,
  type LexInline,
  type LexList,
  type LexListItem,
  type LexState,
  type LexTableCell,
  type LexTableRow,
  embedBlock,
  heading,
  horizontalRule,
  linebreak,
  link,
  list,
  listItem,
  nodeId,
  paragraph,
  quote,
  root,
  table,
  tableCell,
  tableRow,
  text,
  upload,
} from '../richtext/lexical'
import { resolveAgainst } from './url'

/**
 * HTML body -> Lexical, built directly from an htmlparser2 DOM (no editor runtime; jsdom only where
 * the reader view reads a whole scraped page, see readerView.ts).
 *
 * Paragraph breaks are placed where a reader sees a break (after `p`, `div`, `li`, at `br`), not at
 * every container boundary, so the text rendered back from the Lexical matches the source's visible
 * text character for character. Active content never survives: script/style are dropped, `on*`
 * attributes and `javascript:` URLs are not carried (only href/src values that resolve to http(s)
 * are), iframes become embed blocks (known hosts, with the player's fallback link when it is one
 * plain link) or links.
 */

export type ConvertOptions = {
  /** The article URL: relative image and link URLs are resolved against it. */
  baseUrl?: string
  /** Seed for node ids (the post's identity), so a re-import produces identical JSON. */
  seed: string
  /** Convert a whole scraped page as it is, without looking for its article. @default false */
  wholePage?: boolean
}

export type ConvertResult = {
  content: LexState
  /** Image URLs in document order (may repeat). */
  images: string[]
  embeds: { url: string; embedded: boolean }[]
  warnings: string[]
  /** For a page reduced to its reader-view article: that article's text (what the post must keep). */
  articleText?: string
}

const SKIP = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'xml',
  'meta',
  'link',
  'base',
  'param',
  'input',
  'track',
])
const BREAK_AFTER = new Set(['p', 'div', 'li'])
const FORMAT_OF: Record<string, number> = {
  b: FORMAT.bold,
  strong: FORMAT.bold,
  i: FORMAT.italic,
  em: FORMAT.italic,
  cite: FORMAT.italic,
  dfn: FORMAT.italic,
  var: FORMAT.italic,
  s: FORMAT.strikethrough,
  strike: FORMAT.strikethrough,
  del: FORMAT.strikethrough,
  u: FORMAT.underline,
  ins: FORMAT.underline,
  code: FORMAT.code,
  kbd: FORMAT.code,
  samp: FORMAT.code,
  tt: FORMAT.code,
  sub: FORMAT.subscript,
  sup: FORMAT.superscript,
  mark: FORMAT.highlight,
}
/** The text of the link that replaces an iframe from a host that is not embedded. */
export const EMBED_LINK_LABEL = '▶'
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'])

const GLUED_TAGS =
  'div|p|span|a|img|section|article|table|tbody|thead|td|tr|th|li|ul|ol|h[1-6]|figure|figcaption|iframe|font|strong|em|b|i|blockquote|video|source|header|footer|small|br|hr|center|pre|code'
const GLUED_ATTRS =
  'class|style|id|href|src|width|height|align|alt|title|target|rel|border|colspan|rowspan|frameborder|allowfullscreen|lang|dir|itemprop|role|valign|bgcolor|color|face|size|name|type|loading|srcset|data-[\\w-]+|aria-[\\w-]+'
const GLUED = new RegExp(`<(${GLUED_TAGS})(${GLUED_ATTRS})(\\s*=)`, 'gi')

/**
 * Repairs tags glued to their first attribute by the line joining of the archive script
 * (`<divclass="x">`, `<imgsrc=...>`): only a known tag name immediately followed by a known attribute
 * name and `=`, which is unambiguous.
 */
export const repairGluedTags = (html: string): string => html.replace(GLUED, '<$1 $2$3')

const isElement = (n: ChildNode): n is Element =>
  n.type === 'tag' || n.type === 'script' || n.type === 'style'

const attr = (el: Element, name: string): string => (el.attribs?.[name] ?? '').trim()

/** The usable source of an `<img>`: lazy-load attributes first (src is then often a placeholder). */
export const imageSource = (el: Element, base?: string): string | undefined => {
  const candidates = [
    attr(el, 'data-src'),
    attr(el, 'data-original'),
    attr(el, 'src'),
    attr(el, 'data-lazy-src'),
  ]
  const srcset = attr(el, 'srcset') || attr(el, 'data-srcset')
  if (srcset) candidates.push(srcset.split(',')[0].trim().split(/\s+/)[0])
  let placeholder: string | undefined
  for (const c of candidates) {
    if (!c) continue
    const url = resolveAgainst(c, base)
    if (!url) continue
    // A tiny inline GIF is a lazy-load placeholder; use it only when nothing else is there.
    if (url.startsWith('data:') && url.length < 200) {
      placeholder ??= url
      continue
    }
    return url
  }
  return placeholder
}

const findAll = (
  nodes: ChildNode[],
  test: (el: Element) => boolean,
  out: Element[] = [],
): Element[] => {
  for (const c of nodes) {
    if (!isElement(c)) continue
    if (test(c)) out.push(c)
    findAll(c.children, test, out)
  }
  return out
}

/** Builds the block list of one container (the document or a table cell). */
class Blocks {
  readonly blocks: LexBlockNode[] = []
  private inline: LexInline[] = []
  /** Where inline content goes: a new paragraph, a quote or a heading. */
  mode:
    | { kind: 'paragraph' }
    | { kind: 'quote' }
    | { kind: 'heading'; tag: 'h1' | 'h2' | 'h3' | 'h4' | 'h5' | 'h6' } = {
    kind: 'paragraph',
  }

  /** Whether the last thing seen was a break (nothing visible since). */
  endedWithBreak = false

  pushInline(node: LexInline, linkTarget?: { children: LexInline[] }) {
    if (node.type !== 'text' || node.text.trim()) this.endedWithBreak = false
    const target = linkTarget ? linkTarget.children : this.inline
    const last = target[target.length - 1]
    if (node.type === 'text' && last?.type === 'text' && last.format === node.format) {
      last.text += node.text
      return
    }
    target.push(node)
  }

  /** True when nothing visible is pending (whitespace only). */
  private pendingIsBlank(): boolean {
    return this.inline.every((n) => n.type === 'text' && !n.text.trim())
  }

  /**
   * Whether the last block, rendered, ends with a break the reader sees (p, li, the embed's div). After
   * a heading, quote, image or table the source's whitespace must be carried into the next run.
   */
  private lastEndsWithBreak(): boolean {
    const last = this.blocks[this.blocks.length - 1]
    if (!last) return true
    if (last.type === 'paragraph' || last.type === 'list') return true
    return last.type === 'block' && isEmbeddableUrl(last.fields.url)
  }

  private spaceOwed = false

  /** Ends the pending inline run as a node of the current mode. */
  flush() {
    if (this.inline.length === 0) return
    if (this.pendingIsBlank()) {
      this.inline = []
      if (!this.lastEndsWithBreak()) this.spaceOwed = true
      return
    }
    const m = this.mode
    const children = trimInline(this.inline, {
      leading: this.lastEndsWithBreak() ? 'trim' : this.spaceOwed ? 'space' : 'collapse',
      trailing: m.kind === 'paragraph' ? 'trim' : 'collapse',
    })
    this.inline = []
    this.spaceOwed = false
    if (m.kind === 'heading') this.blocks.push(heading(m.tag, children))
    else if (m.kind === 'quote') this.blocks.push(quote(children))
    else this.blocks.push(paragraph(children))
  }

  /** Where the reader sees a break (after p/div/li, or a br). */
  breakPoint() {
    this.endedWithBreak = true
    if (this.mode.kind === 'paragraph') {
      if (this.pendingIsBlank() && !this.lastEndsWithBreak()) this.spaceOwed = true
      this.flush()
    } else if (
      !this.pendingIsBlank() &&
      this.inline[this.inline.length - 1]?.type !== 'linebreak'
    ) {
      this.inline.push(linebreak())
    }
  }

  pushBlock(node: LexBlockNode) {
    this.flush()
    this.endedWithBreak = false
    this.blocks.push(node)
  }

  hasPending(): boolean {
    return !this.pendingIsBlank()
  }
}

type EdgeRule = 'trim' | 'collapse' | 'space'

/**
 * Tidies a run's ends: linebreaks that would only add blank lines go; edge whitespace is trimmed where
 * the block boundary already shows a break, else kept as one space ('space' forces one).
 */
const trimInline = (
  nodes: LexInline[],
  rules: { leading: EdgeRule; trailing: EdgeRule },
): LexInline[] => {
  const out = nodes.slice()
  while (out.length && out[out.length - 1].type === 'linebreak') out.pop()
  while (out.length && out[0].type === 'linebreak') out.shift()
  const first = out[0]
  if (first?.type === 'text') {
    const stripped = first.text.replace(/^[ \t\n\r\f]+/, '')
    const hadSpace = stripped.length !== first.text.length
    first.text =
      rules.leading === 'trim'
        ? stripped
        : rules.leading === 'space' || hadSpace
          ? ` ${stripped}`
          : stripped
  } else if (rules.leading === 'space') {
    out.unshift(text(' '))
  }
  const last = out[out.length - 1]
  if (last?.type === 'text') {
    const stripped = last.text.replace(/[ \t\n\r\f]+$/, '')
    last.text =
      rules.trailing === 'trim' || stripped.length === last.text.length ? stripped : `${stripped} `
  }
  return out.filter((n) => n.type !== 'text' || n.text.length > 0)
}

type Ctx = {
  format: number
  link?: { children: LexInline[] }
  /** Inside a list item or table cell: block-level elements flatten into the inline run. */
  inlineOnly: boolean
  /** Caption of the single image of the enclosing figure. */
  figureCaption?: string
}

class Converter {
  readonly images: string[] = []
  readonly embeds: { url: string; embedded: boolean }[] = []
  readonly warnings = new Set<string>()
  private ids = 0
  /** Uploads met inside list items and table cells, placed after that list or table. */
  private hoisted: LexBlockNode[] = []

  constructor(private readonly options: ConvertOptions) {}

  get baseUrl(): string | undefined {
    return this.options.baseUrl
  }

  private nextId(): string {
    return nodeId(this.options.seed, this.ids++)
  }

  private cleanText(data: string): string {
    return stripJunk(data).replace(/[ \t\n\r\f]+/g, ' ')
  }

  walk(nodes: ChildNode[], out: Blocks, ctx: Ctx) {
    for (const node of nodes) this.visit(node, out, ctx)
  }

  private visit(node: ChildNode, out: Blocks, ctx: Ctx) {
    if (node.type === 'text') {
      const t = this.cleanText(node.data)
      if (t) out.pushInline(text(t, ctx.format), ctx.link)
      return
    }
    if (!isElement(node)) return
    const name = node.name
    if (name === 'noscript') {
      // Its text is hidden from readers, but a lazy-load fallback image is an image of the article.
      for (const img of findAll(node.children, (e) => e.name === 'img')) this.image(img, out, ctx)
      return
    }
    if (SKIP.has(name)) {
      if (name === 'script' || name === 'object') this.warnings.add(`removed <${name}>`)
      return
    }
    if (name === 'br') {
      if (ctx.link) out.pushInline(linebreak(), ctx.link)
      else out.breakPoint()
      return
    }
    if (name === 'img') return this.image(node, out, ctx)
    if (name === 'iframe' || name === 'embed') return this.iframe(node, out, ctx)
    if (name === 'video' || name === 'audio') return this.media(node, out, ctx)
    if (name === 'a') return this.anchor(node, out, ctx)
    const format = FORMAT_OF[name]
    if (format) {
      this.walk(node.children, out, { ...ctx, format: ctx.format | format })
      return
    }
    if (!ctx.inlineOnly && !ctx.link) {
      if (HEADINGS.has(name)) return this.heading(node, out, ctx)
      if (name === 'blockquote') return this.blockquote(node, out, ctx)
      if (name === 'ul' || name === 'ol') return this.list(node, out, ctx)
      if (name === 'table') return this.table(node, out, ctx)
      if (name === 'hr') {
        out.pushBlock(horizontalRule())
        return
      }
      if (name === 'figure') return this.figure(node, out, ctx)
    }
    // Any other element (section, span, font, figure without caption, Word's o:p, ...) is a
    // transparent container; p/div/li end where the reader sees a break.
    this.walk(node.children, out, ctx)
    if (BREAK_AFTER.has(name)) {
      if (ctx.link) out.pushInline(linebreak(), ctx.link)
      else out.breakPoint()
    }
  }

  image(el: Element, out: Blocks, ctx: Ctx) {
    const url = imageSource(el, this.options.baseUrl)
    if (!url) {
      if (attr(el, 'src') || attr(el, 'data-src') || attr(el, 'data-original')) {
        this.warnings.add('dropped an image without a usable URL')
      }
      return
    }
    this.images.push(url)
    const alt = stripJunk(attr(el, 'alt')).trim() || null
    const caption = ctx.figureCaption ?? null
    const node = upload(this.nextId(), url, caption, alt)
    if (ctx.inlineOnly) this.hoisted.push(node)
    else out.pushBlock(node)
  }

  private iframe(el: Element, out: Blocks, ctx: Ctx) {
    // A WordPress post embed comes as a blockquote with the linked title (what a reader without
    // scripts sees, and what is kept) and this frame, which only replaces it when scripts run.
    if (el.name === 'iframe' && /(?:^|\s)wp-embedded-content(?:\s|$)/.test(attr(el, 'class'))) {
      this.warnings.add('dropped a WordPress embed frame (its blockquote link is kept)')
      return
    }
    const url = resolveAgainst(attr(el, 'src') || attr(el, 'data-src'), this.options.baseUrl)
    if (!url || url.startsWith('data:')) {
      this.warnings.add(`dropped an <${el.name}> without a usable URL`)
      return
    }
    const title = stripJunk(attr(el, 'title')).trim()
    if (isEmbeddableUrl(url)) {
      this.embeds.push({ url, embedded: true })
      this.warnings.add('iframe kept as embed block')
      const width = Number(attr(el, 'width')) || undefined
      const height = Number(attr(el, 'height')) || undefined
      // An iframe's content is raw text to the parser: a fallback link is kept as written.
      const fallback = safeEmbedFallback(
        el.children.map((c) => (c.type === 'text' ? c.data : '')).join(''),
      )
      const node = embedBlock(this.nextId(), {
        url,
        provider: providerOf(url),
        title,
        width,
        height,
        fallback,
      })
      if (ctx.inlineOnly || ctx.link) this.hoisted.push(node)
      else out.pushBlock(node)
      return
    }
    this.embeds.push({ url, embedded: false })
    this.warnings.add('iframe from an unknown host kept as a link')
    // The player showed no text; a one-character label keeps the reader's text as it was.
    const anchor = link(url, [text(EMBED_LINK_LABEL, ctx.format)])
    if (ctx.link) {
      return
    } else if (ctx.inlineOnly) {
      out.pushInline(anchor)
    } else {
      out.flush()
      out.pushInline(anchor)
      out.flush()
    }
  }

  private media(el: Element, out: Blocks, ctx: Ctx) {
    const sources = [
      attr(el, 'src'),
      ...el.children
        .filter(isElement)
        .filter((c) => c.name === 'source')
        .map((c) => attr(c, 'src')),
    ]
    const url = sources
      .map((s) => (s ? resolveAgainst(s, this.options.baseUrl) : undefined))
      .find((u) => u && !u.startsWith('data:'))
    const poster = attr(el, 'poster')
    if (url) {
      this.embeds.push({ url, embedded: false })
      const node = embedBlock(this.nextId(), { url, provider: el.name, title: '' })
      if (ctx.inlineOnly || ctx.link) this.hoisted.push(node)
      else out.pushBlock(node)
    } else if (!poster) {
      this.warnings.add(`dropped a <${el.name}> without a usable URL`)
    }
    // Fallback text inside <video> is visible text of the source; keep it.
    this.walk(
      el.children.filter((c) => !(isElement(c) && c.name === 'source')),
      out,
      ctx,
    )
  }

  private anchor(el: Element, out: Blocks, ctx: Ctx) {
    const raw = attr(el, 'href')
    const url = raw && !raw.startsWith('#') ? resolveAgainst(raw, this.options.baseUrl) : undefined
    const mail = /^mailto:/i.test(raw) ? raw : undefined
    const href = url && !url.startsWith('data:') ? url : mail
    if (/^\s*(javascript|vbscript):/i.test(raw)) this.warnings.add('removed a javascript: link')
    if (!href || ctx.link) {
      this.walk(el.children, out, ctx)
      return
    }
    const node = link(href, [])
    this.walk(el.children, out, { ...ctx, link: node as unknown as { children: LexInline[] } })
    const children = node.children.filter((c) => c.type !== 'text' || c.text.length > 0)
    if (children.length === 0) return
    node.children = children
    out.pushInline(node)
  }

  private heading(el: Element, out: Blocks, ctx: Ctx) {
    out.flush()
    const previous = out.mode
    out.mode = { kind: 'heading', tag: el.name as 'h1' }
    this.walk(el.children, out, ctx)
    out.flush()
    out.mode = previous
  }

  private blockquote(el: Element, out: Blocks, ctx: Ctx) {
    out.flush()
    const previous = out.mode
    out.mode = { kind: 'quote' }
    this.walk(el.children, out, ctx)
    out.flush()
    out.mode = previous
  }

  /** A list item's inline run; nested lists become their own item, as lexical nests them. */
  private list(el: Element, out: Blocks, ctx: Ctx) {
    out.flush()
    const ordered = el.name === 'ol'
    const items: LexListItem[] = []
    let value = Number(attr(el, 'start')) || 1
    const start = value
    const hoistedBefore = this.hoisted
    this.hoisted = []
    let loose: Blocks | undefined
    const endLoose = () => {
      if (!loose) return
      const content = this.inlineOf(loose)
      if (content.length) items.push(listItem(value++, content))
      loose = undefined
    }
    for (const child of el.children) {
      if (isElement(child) && child.name === 'li') {
        endLoose()
        const cell = new Blocks()
        const nested: LexList[] = []
        for (const c of child.children) {
          if (isElement(c) && (c.name === 'ul' || c.name === 'ol')) {
            const sub = new Blocks()
            this.list(c, sub, ctx)
            for (const b of sub.blocks)
              if (b.type === 'list') nested.push(b)
              else this.hoisted.push(b)
          } else {
            this.visit(c, cell, { ...ctx, inlineOnly: true })
          }
        }
        const content = this.inlineOf(cell)
        if (content.length || nested.length === 0) items.push(listItem(value++, content))
        for (const n of nested) items.push(listItem(value++, [n]))
      } else {
        loose ??= new Blocks()
        this.visit(child, loose, { ...ctx, inlineOnly: true })
      }
    }
    endLoose()
    if (items.length) out.pushBlock(list(ordered, items, start))
    for (const b of this.hoisted) out.pushBlock(b)
    this.hoisted = hoistedBefore
  }

  /** The inline content a Blocks collected in inline-only mode, paragraphs joined by linebreaks. */
  private inlineOf(blocks: Blocks, keepTrailingBreak = false): LexInline[] {
    const trailing = keepTrailingBreak && blocks.endedWithBreak
    blocks.flush()
    const out: LexInline[] = []
    for (const b of blocks.blocks) {
      if (b.type !== 'paragraph' && b.type !== 'heading' && b.type !== 'quote') {
        this.hoisted.push(b)
        continue
      }
      if (out.length) out.push(linebreak())
      out.push(...b.children)
    }
    if (trailing && out.length) out.push(linebreak())
    return out
  }

  /**
   * A table that only lays out one image and its caption (image row, caption row) is a captioned
   * upload; any other table is kept as a table.
   */
  private table(el: Element, out: Blocks, ctx: Ctx) {
    const rows = findAll(el.children, (e) => e.name === 'tr').filter((tr) => closestTable(tr, el))
    const cells = rows.map((tr) =>
      tr.children.filter(isElement).filter((c) => c.name === 'td' || c.name === 'th'),
    )
    const imgs = findAll(el.children, (e) => e.name === 'img')
    const oneColumn = cells.every((r) => r.length <= 1)
    if (imgs.length === 1 && oneColumn && rows.length <= 3) {
      const imgRow = cells.findIndex(
        (r) => r.length === 1 && findAll([r[0]], (e) => e.name === 'img').length === 1,
      )
      const rest = cells.filter((_, i) => i !== imgRow).flat()
      const captionText = rest
        .map((c) => readerTextOf(c))
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim()
      const imgCellText = imgRow >= 0 ? readerTextOf(cells[imgRow][0]) : ''
      if (imgRow === 0 && !imgCellText && captionText.length < 400) {
        out.flush()
        this.image(imgs[0], out, { ...ctx, figureCaption: captionText || undefined })
        return
      }
    }
    out.flush()
    const hoistedBefore = this.hoisted
    this.hoisted = []
    const lexRows: LexTableRow[] = []
    for (const rowCells of cells) {
      const lexCells: LexTableCell[] = []
      for (const c of rowCells) {
        const cellBlocks = new Blocks()
        this.walk(c.children, cellBlocks, { ...ctx, inlineOnly: true })
        const content = this.inlineOf(cellBlocks, true)
        if (content.length && whitespaceFollows(c, el)) content.push(text(' '))
        lexCells.push(
          tableCell(
            content.length ? [paragraph(content)] : [],
            c.name === 'th',
            Number(attr(c, 'colspan')) || 1,
            Number(attr(c, 'rowspan')) || 1,
          ),
        )
      }
      if (lexCells.length) lexRows.push(tableRow(lexCells))
    }
    // Text of a table outside any cell (broken markup) is kept after it.
    const stray = el.children.filter((c) => c.type === 'text' && c.data.trim())
    if (lexRows.length) out.pushBlock(table(lexRows))
    for (const b of this.hoisted) out.pushBlock(b)
    this.hoisted = hoistedBefore
    this.walk(stray, out, ctx)
  }

  private figure(el: Element, out: Blocks, ctx: Ctx) {
    const imgs = findAll(el.children, (e) => e.name === 'img')
    const captionEl = findAll(el.children, (e) => e.name === 'figcaption')[0]
    if (imgs.length !== 1 || !captionEl) {
      this.walk(el.children, out, ctx)
      return
    }
    const caption = readerTextOf(captionEl)
    this.walk(
      el.children.filter((c) => c !== captionEl),
      out,
      { ...ctx, figureCaption: caption || undefined },
    )
  }
}

/** Whether pretty-printing whitespace follows a cell (before the next cell or row), as readers see it. */
const whitespaceFollows = (cell: Element, tableEl: Element): boolean => {
  for (let n: Element | null = cell; n && n !== tableEl; n = n.parent as Element | null) {
    const next = n.next
    if (next) return next.type === 'text' && !next.data.trim() && next.data.length > 0
  }
  return false
}

const closestTable = (tr: Element, table: Element): boolean => {
  let p = tr.parent as Element | null
  while (p && (p.type as string) !== 'root') {
    if (p.name === 'table') return p === table
    p = p.parent as Element | null
  }
  return false
}

const readerTextOf = (el: Element): string => {
  const parts: string[] = []
  const visit = (n: ChildNode) => {
    if (n.type === 'text') parts.push(n.data)
    else if (isElement(n) && !SKIP.has(n.name)) n.children.forEach(visit)
    if (isElement(n) && (n.name === 'br' || BREAK_AFTER.has(n.name))) parts.push(' ')
  }
  el.children.forEach(visit)
  return stripJunk(parts.join('')).replace(/[\s]+/g, ' ').trim()
}

const PROVIDERS: [RegExp, string][] = [
  [/youtube(-nocookie)?\.com$/, 'youtube'],
  [/vimeo\.com$/, 'vimeo'],
  [/bilibili\.com$/, 'bilibili'],
  [/twitter\.com$/, 'twitter'],
  [/facebook\.com$/, 'facebook'],
  [/soundcloud\.com$/, 'soundcloud'],
  [/spotify\.com$/, 'spotify'],
  [/instagram\.com$/, 'instagram'],
]

const providerOf = (url: string): string => {
  const host = new URL(url).hostname
  return PROVIDERS.find(([re]) => re.test(host))?.[1] ?? host
}

/** Whether a body is a whole scraped page rather than a feed item (`<div>...</div>` on one line). */
export const isScrapedPage = (body: string): boolean =>
  body.trim().length > 0 && !/^\s*<div>/.test(body)

/** The warning of a page reduced to its reader-view article. */
export const READER_VIEW_KEPT =
  'scraped page: kept the reader-view article text, dropped page chrome'

const TOP: Ctx = { format: 0, inlineOnly: false }

/**
 * Converts an archive body to Lexical. Deterministic for a given input.
 *
 * A feed item is converted whole. A whole scraped page is reduced to the article Firefox's reader view
 * finds in it (see readerView.ts), and every image of the page outside that article is kept too
 * (those before the article's first image above it, the rest below it), as no image is page chrome to
 * a newsroom. Where the reader view finds no article, or `wholePage` asks for it, the whole page is
 * converted, chrome text included: more text rather than less.
 */
export const htmlToLexical = (html: string, options: ConvertOptions): ConvertResult => {
  const repaired = repairGluedTags(html)
  const converter = new Converter(options)
  const whole = () => {
    const out = new Blocks()
    converter.walk(parseDocument(repaired, { decodeEntities: true }).children, out, TOP)
    out.flush()
    return out.blocks
  }
  let blocks: LexBlockNode[]
  let article: string | undefined
  if (!isScrapedPage(html)) {
    blocks = whole()
  } else if (options.wholePage) {
    blocks = whole()
    converter.warnings.add('scraped page: kept the whole page, chrome included')
  } else {
    const view = readerView(repaired, options.baseUrl)
    if (view.ok) {
      blocks = readerViewBlocks(converter, view.html, repaired)
      article = view.text
      converter.warnings.add(READER_VIEW_KEPT)
    } else {
      blocks = whole()
      converter.warnings.add(`scraped page: ${view.reason}; kept the whole page, chrome included`)
    }
  }
  return {
    content: root(blocks),
    images: converter.images,
    embeds: converter.embeds,
    warnings: [...converter.warnings],
    articleText: article,
  }
}

/**
 * The reader-view article, with the page's other images around it. Images are matched by the URL the
 * importer would store, counting repeats, so an image inside the article is not kept twice.
 */
const readerViewBlocks = (converter: Converter, articleHtml: string, pageHtml: string) => {
  const body = new Blocks()
  converter.walk(parseDocument(articleHtml, { decodeEntities: true }).children, body, TOP)
  body.flush()
  const inArticle = new Map<string, number>()
  for (const url of converter.images) inArticle.set(url, (inArticle.get(url) ?? 0) + 1)
  const before = new Blocks()
  const after = new Blocks()
  // With no image in the article there is nothing to place the page's images by: they follow it.
  let seenArticleImage = inArticle.size === 0
  const page = parseDocument(pageHtml, { decodeEntities: true })
  for (const img of findAll(page.children, (e) => e.name === 'img')) {
    const url = imageSource(img, converter.baseUrl)
    const left = url ? (inArticle.get(url) ?? 0) : 0
    if (url && left > 0) {
      inArticle.set(url, left - 1)
      seenArticleImage = true
      continue
    }
    converter.image(img, seenArticleImage ? after : before, TOP)
  }
  return [...before.blocks, ...body.blocks, ...after.blocks]
}
