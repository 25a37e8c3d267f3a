import render from 'dom-serializer'
import { isTag, type ChildNode, type Element } from 'domhandler'
import { parseDocument } from 'htmlparser2'

import { safeUrl, type UrlUse } from './safeUrl'

/** Attributes that hold a URL a browser follows or loads, and what each is for. */
const URL_ATTRIBUTES: Record<string, UrlUse> = {
  href: 'link',
  src: 'image',
  srcset: 'image',
  poster: 'image',
  action: 'link',
  formaction: 'link',
  'xlink:href': 'link',
  background: 'image',
  cite: 'link',
  data: 'embed',
}
/** Elements whose `src` loads something that runs or plays, not an image. */
const EMBEDDING = new Set([
  'iframe',
  'frame',
  'embed',
  'video',
  'audio',
  'source',
  'track',
  'script',
])
/** Elements that never belong in a post body as delivered. */
const DROPPED = new Set(['script', 'style', 'object', 'embed', 'base', 'meta', 'link', 'form'])

/**
 * A quick over-approximation: whether `html` has anything `sanitizeRenderedHtml` might remove (an
 * `on…=` attribute, a dropped element, or a URL attribute not plainly http(s), root-relative, a
 * fragment, mailto or an inline image). What src/richtext/html.ts renders almost never matches, so a
 * read costs one regular-expression scan, not a parse.
 */
const MAY_BE_UNSAFE =
  /[\s/"']on[a-z]+\s*=|<\s*\/?\s*(?:script|style|object|embed|base|meta|link|form)\b|[\s/"'](?:href|src|srcset|poster|action|formaction|xlink:href|background|cite|data)\s*=\s*(?!["']?(?:https?:\/\/|\/|#|mailto:|data:image\/)[^"'\s]*?(?:["'\s>]|$))/i
const mayBeUnsafe = (html: string): boolean => MAY_BE_UNSAFE.test(html)

/**
 * `contentHtml` as it may leave the server: what src/richtext/html.ts renders passes unchanged, but a
 * body stored before the URL rules (or written around the hooks, e.g. straight into the database)
 * loses every event handler, every script-like element and every URL `safeUrl` would not emit (the
 * attribute is dropped). Parses with htmlparser2, so it judges what a browser would parse.
 */
export const sanitizeRenderedHtml = (html: string): string => {
  if (!html || !mayBeUnsafe(html)) return html
  const doc = parseDocument(html)
  let changed = false
  const visit = (nodes: ChildNode[]) => {
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i]!
      if (!isTag(node)) continue
      if (DROPPED.has(node.name)) {
        nodes.splice(i, 1)
        changed = true
        continue
      }
      changed = cleanAttributes(node) || changed
      visit(node.children)
    }
  }
  visit(doc.children)
  // Unchanged input is returned as it came, byte for byte (serialising could re-spell entities).
  return changed ? render(doc, { encodeEntities: 'utf8' }) : html
}

const cleanAttributes = (el: Element): boolean => {
  let changed = false
  for (const name of Object.keys(el.attribs)) {
    const lower = name.toLowerCase()
    const value = el.attribs[name] ?? ''
    if (
      lower.startsWith('on') ||
      (lower === 'style' && /expression\(|url\(\s*['"]?\s*javascript:/i.test(value))
    ) {
      delete el.attribs[name]
      changed = true
      continue
    }
    const use = URL_ATTRIBUTES[lower]
    if (!use) continue
    const effective: UrlUse = lower === 'src' && EMBEDDING.has(el.name) ? 'embed' : use
    const ok =
      lower === 'srcset'
        ? value.split(',').every((part) => safeUrl(part.trim().split(/\s+/)[0] ?? '', 'image'))
        : safeUrl(value, effective) !== undefined
    if (!ok) {
      delete el.attribs[name]
      changed = true
    }
  }
  return changed
}
