import { MEDIA } from '../lib/slugs'

/**
 * Serialized Lexical nodes exactly as the posts editor (src/richtext/editor.ts) stores them: the
 * shapes and versions of lexical's own nodes and of Payload's link (v3), autolink (v2), upload (v3)
 * and block (v2) nodes. Pure data constructors; no lexical runtime is needed to build them.
 */

export const FORMAT = {
  bold: 1,
  italic: 2,
  strikethrough: 4,
  underline: 8,
  code: 16,
  subscript: 32,
  superscript: 64,
  highlight: 128,
} as const

export type LexText = {
  type: 'text'
  version: 1
  text: string
  format: number
  mode: 'normal'
  style: ''
  detail: 0
}
export type LexLinebreak = { type: 'linebreak'; version: 1 }
type ElementBase = { direction: 'ltr' | null; format: ''; indent: 0; version: 1 }
export type LexLink = Omit<ElementBase, 'version'> & {
  type: 'link'
  version: 3
  fields: { url: string; newTab: boolean; linkType: 'custom' }
  children: (LexText | LexLinebreak)[]
}
export type LexInline = LexText | LexLinebreak | LexLink
export type LexParagraph = ElementBase & {
  type: 'paragraph'
  textFormat: 0
  textStyle: ''
  children: LexInline[]
}
export type LexHeading = ElementBase & {
  type: 'heading'
  tag: 'h1' | 'h2' | 'h3' | 'h4' | 'h5' | 'h6'
  children: LexInline[]
}
export type LexQuote = ElementBase & { type: 'quote'; children: LexInline[] }
export type LexListItem = ElementBase & {
  type: 'listitem'
  value: number
  children: (LexInline | LexList)[]
}
export type LexList = ElementBase & {
  type: 'list'
  listType: 'bullet' | 'number'
  start: number
  tag: 'ul' | 'ol'
  children: LexListItem[]
}
export type LexHorizontalRule = { type: 'horizontalrule'; version: 1 }
export type LexTableCell = ElementBase & {
  type: 'tablecell'
  headerState: number
  colSpan: number
  rowSpan: number
  backgroundColor: null
  children: LexParagraph[]
}
export type LexTableRow = ElementBase & { type: 'tablerow'; children: LexTableCell[] }
export type LexTable = ElementBase & { type: 'table'; children: LexTableRow[] }
/** An upload node whose `value` is still the image URL (the sink swaps in the media doc's id). */
export const isPendingUpload = (node: { type?: unknown; value?: unknown }): boolean =>
  node.type === 'upload' && typeof node.value === 'string'

/** `value` holds the image URL until the load stage swaps in the media doc's id. */
export type LexUpload = {
  type: 'upload'
  version: 3
  format: ''
  id: string
  relationTo: 'media'
  value: number | string
  fields: { caption: string | null; alt: string | null }
}
export type EmbedFields = {
  id: string
  blockName: ''
  blockType: 'embed'
  url: string
  provider: string
  title: string
  width?: number
  height?: number
  /** The iframe's fallback link, when it is one plain link (safeEmbedFallback). */
  fallback?: string
}
export type LexBlock = { type: 'block'; version: 2; format: ''; fields: EmbedFields }
export type LexBlockNode =
  | LexParagraph
  | LexHeading
  | LexQuote
  | LexList
  | LexHorizontalRule
  | LexTable
  | LexUpload
  | LexBlock
export type LexRoot = {
  type: 'root'
  version: 1
  direction: 'ltr' | null
  format: ''
  indent: 0
  children: LexBlockNode[]
}
export type LexState = { root: LexRoot }

const element = (): ElementBase => ({ direction: 'ltr', format: '', indent: 0, version: 1 })

export const text = (value: string, format = 0): LexText => ({
  type: 'text',
  version: 1,
  text: value,
  format,
  mode: 'normal',
  style: '',
  detail: 0,
})
export const linebreak = (): LexLinebreak => ({ type: 'linebreak', version: 1 })
export const link = (url: string, children: (LexText | LexLinebreak)[]): LexLink => ({
  type: 'link',
  version: 3,
  direction: 'ltr',
  format: '',
  indent: 0,
  fields: { url, newTab: false, linkType: 'custom' },
  children,
})
export const paragraph = (children: LexInline[]): LexParagraph => ({
  type: 'paragraph',
  ...element(),
  textFormat: 0,
  textStyle: '',
  children,
})
export const heading = (tag: LexHeading['tag'], children: LexInline[]): LexHeading => ({
  type: 'heading',
  ...element(),
  tag,
  children,
})
export const quote = (children: LexInline[]): LexQuote => ({
  type: 'quote',
  ...element(),
  children,
})
export const list = (ordered: boolean, children: LexListItem[], start = 1): LexList => ({
  type: 'list',
  ...element(),
  listType: ordered ? 'number' : 'bullet',
  start,
  tag: ordered ? 'ol' : 'ul',
  children,
})
export const listItem = (value: number, children: (LexInline | LexList)[]): LexListItem => ({
  type: 'listitem',
  ...element(),
  value,
  children,
})
export const horizontalRule = (): LexHorizontalRule => ({ type: 'horizontalrule', version: 1 })
export const tableCell = (
  children: LexParagraph[],
  header: boolean,
  colSpan = 1,
  rowSpan = 1,
): LexTableCell => ({
  type: 'tablecell',
  ...element(),
  headerState: header ? 1 : 0,
  colSpan,
  rowSpan,
  backgroundColor: null,
  children: children.length ? children : [paragraph([])],
})
export const tableRow = (children: LexTableCell[]): LexTableRow => ({
  type: 'tablerow',
  ...element(),
  children,
})
export const table = (children: LexTableRow[]): LexTable => ({
  type: 'table',
  ...element(),
  children,
})

/** A stable id for nodes that need one (upload, block), derived from the post and position. */
export const nodeId = (seed: string, n: number): string => {
  let h = 0x811c9dc5
  const s = `${seed}:${n}`
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0
  return (h.toString(16).padStart(8, '0') + n.toString(16).padStart(16, '0')).slice(0, 24)
}

export const upload = (
  id: string,
  url: string,
  caption: string | null,
  alt: string | null,
): LexUpload => ({
  type: 'upload',
  version: 3,
  format: '',
  id,
  relationTo: MEDIA,
  value: url,
  fields: { caption, alt },
})
export const embedBlock = (
  id: string,
  fields: Omit<EmbedFields, 'id' | 'blockName' | 'blockType'>,
): LexBlock => ({
  type: 'block',
  version: 2,
  format: '',
  fields: { id, blockName: '', blockType: 'embed', ...fields },
})
export const root = (children: LexBlockNode[]): LexState => ({
  root: { type: 'root', version: 1, direction: 'ltr', format: '', indent: 0, children },
})
