import type { SerializedEditorState } from 'lexical'

import type { UrlUse } from './safeUrl'

/** One URL a Lexical document carries, where it is, and what it is for. */
export type ContentUrl = {
  /** The node kind, as an editor would name it: "link", "embed". */
  kind: 'link' | 'embed'
  url: unknown
  use: UrlUse
  /** Index path of the node from the root, e.g. `3.0.1`, to find it in the document. */
  at: string
}

type Node = {
  type?: string
  children?: unknown[]
  fields?: { url?: unknown; linkType?: unknown; blockType?: unknown } | null
}

/**
 * Every URL a post's content carries in its nodes: custom links and autolinks (`fields.url`; internal
 * links point at documents, not URLs) and embed blocks (`fields.url`). Upload nodes point at media
 * docs, whose URLs the media collection checks.
 */
export const collectContentUrls = (
  data: SerializedEditorState | null | undefined,
): ContentUrl[] => {
  const found: ContentUrl[] = []
  const visit = (node: Node, at: string) => {
    if (!node || typeof node !== 'object') return
    if (
      (node.type === 'link' || node.type === 'autolink') &&
      node.fields?.linkType !== 'internal'
    ) {
      found.push({ kind: 'link', url: node.fields?.url, use: 'link', at })
    }
    if (node.type === 'block' && node.fields?.blockType === 'embed') {
      found.push({ kind: 'embed', url: node.fields.url, use: 'embed', at })
    }
    if (Array.isArray(node.children)) {
      node.children.forEach((child, i) => visit(child as Node, at ? `${at}.${i}` : String(i)))
    }
  }
  if (data?.root) visit(data.root as unknown as Node, '')
  return found
}
