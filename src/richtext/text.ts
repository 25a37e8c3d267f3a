import type { ChildNode } from 'domhandler'
import { parseDocument } from 'htmlparser2'

const SKIP = new Set(['script', 'style', 'noscript', 'template'])
const BREAKS = new Set([
  'br',
  'p',
  'div',
  'li',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'tr',
  'td',
  'th',
  'figcaption',
  'blockquote',
])

/** The visible text of an HTML fragment as a reader sees it: block ends become spaces, whitespace collapsed. */
export const visibleText = (html: string): string => {
  const out: string[] = []
  const visit = (node: ChildNode) => {
    if (node.type === 'text') out.push(node.data)
    else if ('children' in node && !('name' in node && SKIP.has(node.name)))
      node.children.forEach(visit)
    if ('name' in node && BREAKS.has(node.name)) out.push(' ')
  }
  parseDocument(html, { decodeEntities: true }).children.forEach(visit)
  // Zero-width joiners and non-joiners are part of words (Persian, emoji sequences): they stay,
  // unless they stand beside a space, where they join nothing.
  return out
    .join('')
    .replace(/(?:\s|\u200b|\ufeff)+/g, ' ')
    .replace(/ [\u200c\u200d]+|[\u200c\u200d]+ /g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
    .replace(/^[\u200c\u200d]+|[\u200c\u200d]+$/g, '')
}

/** The first `maxLength` characters of the visible text, cut at a code point, with an ellipsis. */
export const excerptFromHtml = (html: string, maxLength = 160): string => {
  const chars = Array.from(visibleText(html))
  return chars.length <= maxLength
    ? chars.join('')
    : `${chars.slice(0, maxLength).join('').trimEnd()}…`
}

const READER_SKIP = new Set(['script', 'style', 'noscript', 'template'])
const READER_BREAKS = new Set(['br', 'p', 'div', 'li'])

type TextLike = { type: string; name?: string; data?: string; children?: TextLike[] }

/**
 * The text a reader sees, measured the way the import's acceptance check measures it: text nodes in
 * document order, a space after every `br`, `p`, `div` and `li`, script/style/noscript/template
 * skipped, whitespace and zero-width characters collapsed to one space.
 */
export const readerText = (html: string): string => {
  const out: string[] = []
  const visit = (n: TextLike) => {
    if (n.type === 'text') out.push(n.data ?? '')
    else if (n.children && !(n.name && READER_SKIP.has(n.name))) n.children.forEach(visit)
    if (n.name && READER_BREAKS.has(n.name)) out.push(' ')
  }
  visit(parseDocument(html, { decodeEntities: true }) as unknown as TextLike)
  return out
    .join('')
    .replace(/(?:\s|\u200b|\u200c|\u200d|\ufeff)+/g, ' ')
    .trim()
}
