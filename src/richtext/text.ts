import { parseDocument } from 'htmlparser2'
import { textContent } from 'domutils'

/** The visible text of an HTML fragment, whitespace collapsed. */
export const visibleText = (html: string): string =>
  textContent(parseDocument(html, { decodeEntities: true }).children)
    .replace(/[\s\u200b\u200c\u200d\ufeff]+/g, ' ')
    .trim()

/** The first `maxLength` characters of the visible text, cut at a code point, with an ellipsis. */
export const excerptFromHtml = (html: string, maxLength = 160): string => {
  const chars = Array.from(visibleText(html))
  return chars.length <= maxLength ? chars.join('') : `${chars.slice(0, maxLength).join('').trimEnd()}…`
}
