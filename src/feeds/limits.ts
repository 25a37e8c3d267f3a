import { Tokenizer, type TokenizerCallbacks } from 'htmlparser2'

/**
 * Caps on one feed item, checked before any of its HTML is parsed into a tree: a hostile item (an
 * item of `<div>` nested 400,000 deep, 4.4 MB, blocked a server for 130 s and then overflowed the
 * stack) fails fast with a reason, and the feed's other items still come in. The checks are linear
 * scans that stop at the cap, so the cost of refusing is bounded by the cap, not by the item.
 */

/** Characters of one item as written in the feed (markup included). */
export const MAX_ITEM_CHARS = 2_000_000
/**
 * Element nesting inside one item's body. Browsers cap their trees at 512 (Chromium); real article
 * bodies stay far below (tables in lists in blockquotes reach ~20), while the importer's tree walks
 * are recursive.
 */
export const MAX_ITEM_DEPTH = 256
/** `<img>` per item: each becomes a media row. */
export const MAX_ITEM_IMAGES = 200

const VOID = new Set(
  'area base br col embed hr img input link meta param source track wbr keygen basefont bgsound frame image'.split(
    ' ',
  ),
)
/** Elements whose start tag closes an open `<p>` (HTML's "close a p element"). */
const CLOSES_P = new Set(
  'address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section summary table ul li dd dt'.split(
    ' ',
  ),
)
/** An element left open is closed by the next of its kind within its container. */
const SIBLINGS: Record<string, { same: string[]; container: string[] }> = {
  li: { same: ['li'], container: ['ul', 'ol', 'menu'] },
  dt: { same: ['dt', 'dd'], container: ['dl'] },
  dd: { same: ['dt', 'dd'], container: ['dl'] },
  tr: { same: ['tr'], container: ['table', 'tbody', 'thead', 'tfoot'] },
  td: { same: ['td', 'th'], container: ['tr', 'table'] },
  th: { same: ['td', 'th'], container: ['tr', 'table'] },
  option: { same: ['option'], container: ['select', 'datalist'] },
}

/**
 * Checks an item's HTML (body or summary): size, nesting and images. Returns the reason it is
 * refused, or undefined. The depth is that of the tree a browser would build, approximated in one
 * linear pass over htmlparser2's tokenizer: void elements, the implied ends of `p`, `li`, `dt`/`dd`,
 * table rows and cells, and end tags that close what they match. htmlparser2's own parser is not
 * used here: its open-element stack costs O(depth) per element (quadratic on a hostile item), and it
 * does not let `<li>` close an open `<p>`, so sloppy lists would look deep.
 */
export const refuseHtml = (html: string | undefined): string | undefined => {
  if (!html) return undefined
  if (html.length > MAX_ITEM_CHARS)
    return `the item's HTML is ${html.length} characters, over the limit of ${MAX_ITEM_CHARS}`
  if (!html.includes('<')) return undefined
  const stack: string[] = []
  let images = 0
  let name = ''
  let reason: string | undefined
  const noop = () => {}
  const tokenizer: Tokenizer = new Tokenizer(
    { xmlMode: false, decodeEntities: false },
    {
      onattribdata: noop,
      onattribentity: noop,
      onattribend: noop,
      onattribname: noop,
      oncdata: noop,
      oncomment: noop,
      ondeclaration: noop,
      onprocessinginstruction: noop,
      ontext: noop,
      ontextentity: noop,
      onend: noop,
      onopentagname(start, end) {
        name = html.slice(start, end).toLowerCase()
      },
      onopentagend() {
        if (reason) return
        if (name === 'img' && ++images > MAX_ITEM_IMAGES) {
          reason = `the item has more than ${MAX_ITEM_IMAGES} images (the limit per item)`
          return tokenizer.pause()
        }
        if (VOID.has(name)) return
        if (CLOSES_P.has(name) && stack.at(-1) === 'p') stack.pop()
        const sibling = SIBLINGS[name]
        if (sibling) {
          for (let i = stack.length - 1; i >= 0; i--) {
            if (sibling.container.includes(stack[i])) break
            if (sibling.same.includes(stack[i])) {
              stack.length = i
              break
            }
          }
        }
        stack.push(name)
        if (stack.length > MAX_ITEM_DEPTH) {
          reason = `the item's HTML nests elements more than ${MAX_ITEM_DEPTH} deep (hostile or broken markup)`
          tokenizer.pause()
        }
      },
      onselfclosingtag() {
        // HTML ignores the slash: `<div/>` opens a div.
        this.onopentagend(0)
      },
      onclosetag(start, end) {
        const closing = html.slice(start, end).toLowerCase()
        const at = stack.lastIndexOf(closing)
        if (at !== -1) stack.length = at
      },
    },
  )
  tokenizer.write(html)
  if (!reason) tokenizer.end()
  return reason
}

/** A span of the feed's text cut out before the feed is parsed, with what identifies it. */
export type ExcisedItem = { start: number; end: number; reason: string }

const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1).toLowerCase()

/**
 * Finds the items of an XML feed that break the caps as XML (nesting, size), before the feed is built
 * into a tree, so the tree builder (whose open-element stack costs O(depth) per element) and every
 * recursive walk only ever see capped items. An item is an `item` or `entry` element within the first
 * three levels. Nesting beyond the cap outside any item refuses the whole document.
 */
export const findHostileItems = (text: string): ExcisedItem[] => {
  const out: ExcisedItem[] = []
  // Open elements: qualified name. Bounded by the cap: deeper elements are only counted.
  const stack: string[] = []
  // The tokenizer runs over text.slice(offset): its indices are relative to offset.
  let offset = 0
  let resumeAt: number | undefined
  let tagStart = 0
  let tagName = ''
  let item: { name: string; start: number; depth: number } | undefined
  const closeItem = (end: number, hostile?: string) => {
    if (!item) return
    const size = end - item.start
    const reason =
      hostile ??
      (size > MAX_ITEM_CHARS
        ? `the item is ${size} characters, over the limit of ${MAX_ITEM_CHARS}`
        : undefined)
    if (reason) out.push({ start: item.start, end, reason })
    stack.length = item.depth - 1
    item = undefined
  }
  const noop = () => {}
  let tokenizer: Tokenizer
  const callbacks: TokenizerCallbacks = {
    onattribdata: noop,
    onattribentity: noop,
    onattribend: noop,
    onattribname: noop,
    oncdata: noop,
    oncomment: noop,
    ondeclaration: noop,
    onprocessinginstruction: noop,
    ontext: noop,
    ontextentity: noop,
    onend: noop,
    onopentagname(start, end) {
      tagStart = offset + start - 1
      tagName = text.slice(offset + start, offset + end)
    },
    onopentagend(end) {
      if (stack.length >= MAX_ITEM_DEPTH + 8) {
        if (!item) throw new DepthError()
        // Refused: the rest of the item is not read, only its end tag is looked for (no tokenizing
        // 4 MB of hostile markup), and the scan resumes after it.
        const endTag = `</${item.name}>`
        const at = text.indexOf(endTag, offset + end)
        resumeAt = at === -1 ? text.length : at + endTag.length
        closeItem(
          resumeAt,
          `the item nests elements more than ${MAX_ITEM_DEPTH} deep (hostile or broken markup)`,
        )
        tokenizer.pause()
        return
      }
      stack.push(tagName)
      const local = localName(tagName)
      if (!item && stack.length <= 3 && (local === 'item' || local === 'entry'))
        item = { name: tagName, start: tagStart, depth: stack.length }
    },
    onselfclosingtag: noop,
    onclosetag(start, end) {
      const at = stack.lastIndexOf(text.slice(offset + start, offset + end))
      if (at === -1) return
      stack.length = at
      if (item && stack.length < item.depth) closeItem(offset + end + 1)
    },
  }
  for (;;) {
    resumeAt = undefined
    tokenizer = new Tokenizer({ xmlMode: true, decodeEntities: false }, callbacks)
    tokenizer.write(offset ? text.slice(offset) : text)
    if (resumeAt === undefined) break
    if (out.length > MAX_REFUSED_ITEMS)
      throw new DepthError(`more than ${MAX_REFUSED_ITEMS} items break the caps`)
    offset = resumeAt
  }
  tokenizer.end()
  // Cut off inside an item: one over the size cap is cut to the end; an ordinary one is left to the
  // tolerant parse, which drops it as incomplete.
  if (item && text.length - item.start > MAX_ITEM_CHARS) closeItem(text.length)
  return out
}

/** Refused items in one feed before the whole feed is refused (each restart of the scan copies the rest). */
const MAX_REFUSED_ITEMS = 50

export class DepthError extends Error {
  constructor(
    message = `the document nests elements more than ${MAX_ITEM_DEPTH + 8} deep outside any item`,
  ) {
    super(message)
    this.name = 'DepthError'
  }
}
