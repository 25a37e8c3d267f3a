/**
 * The editor's one-click cleanup of a scraped page (the "Clean up scraped page" button above a post's
 * content, src/admin/posts/ScrapedCleanup.tsx): at the top of the body, before its first paragraph
 * of text, it drops
 * - a stale relative time, a block that reads only "59 分钟前", "最近更新： 7 分钟前", "3 hours ago"
 *   (true when the page was fetched, wrong ever after), or such an "updated" tail after a date
 *   ("2020年10月2日最近更新： 2 小时前" keeps its date);
 * - a heading or paragraph that repeats the post's title (the page's own headline).
 * Nothing from the first paragraph of the article on is touched, and a block with anything more than
 * the time (a sentence saying "10天前...") stays. Pure: no Payload, no DOM, safe in the browser.
 */

/** A Lexical node as stored, loosely: the cleanup reads types and text only. */
type Node = { type?: string; text?: string; children?: Node[] }
type State = { root: { children: Node[] } & Record<string, unknown> }

/** How far into the body the cleanup looks (the page's header above the article). */
const LOOK_AHEAD = 6

const PREFIX = String.raw`(?:(?:最近更新|更新时间|更新于|更新|发布时间|发布于|last updated|updated|published)\s*[:：]?\s*)?`
const AGO = [
  String.raw`\d+\s*(?:秒钟?|分钟|分鐘|小时|小時|天|日|周|週|星期|个月|個月|月|年)前`,
  String.raw`刚刚|剛剛|刚才|剛才`,
  String.raw`(?:an?|\d+)\s*(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago`,
  String.raw`just now`,
]
const RELATIVE_TIME = new RegExp(`^${PREFIX}(?:${AGO.join('|')})[.。]?$`, 'iu')

/** An "updated N minutes ago" tail after a date, in the same block. */
const STALE_TAIL = new RegExp(
  String.raw`\s*(?:最近更新|更新于|更新|last updated|updated)\s*[:：]?\s*(?:${AGO.join('|')})[.。]?$`,
  'iu',
)

/** The visible text of a node: its text nodes in order, whitespace collapsed. */
export const nodeText = (node: Node): string =>
  (node.type === 'linebreak'
    ? ' '
    : (node.text ?? '') + (node.children ?? []).map(nodeText).join('')
  )
    .replace(/\s+/g, ' ')
    .trim()

/** A block that says only how long ago the page was written ("59 分钟前"). */
export const isStaleRelativeTime = (text: string): boolean =>
  RELATIVE_TIME.test(text.replace(/\s+/g, ' ').trim())

const sameText = (a: string, b: string) =>
  a.replace(/\s+/g, ' ').trim().toLowerCase() === b.replace(/\s+/g, ' ').trim().toLowerCase()

/** What the cleanup removes, in body order, with the text each block showed. */
export type ScrapedCleanupRemoval = { kind: 'relativeTime' | 'title'; text: string }

/** `block` without a stale "updated" tail at the end of its last text node, or undefined. */
const withoutStaleTail = (block: Node): { block: Node; tail: string } | undefined => {
  const children = block.children ?? []
  const last = children[children.length - 1]
  if (last?.type !== 'text' || typeof last.text !== 'string') return undefined
  const match = STALE_TAIL.exec(last.text)
  if (!match || match.index === 0) return undefined
  const kept = last.text.slice(0, match.index)
  const before = [...children.slice(0, -1).map(nodeText), kept].join('').trim()
  if (!before) return undefined
  return {
    block: { ...block, children: [...children.slice(0, -1), { ...last, text: kept }] },
    tail: match[0].trim(),
  }
}

/** What a body would lose to the cleanup, and the body without it. No removals: `state` itself. */
export const cleanScrapedContent = <T>(
  state: T,
  title: string,
): { state: T; removed: ScrapedCleanupRemoval[] } => {
  const root = (state as State | null | undefined)?.root
  if (!root || !Array.isArray(root.children)) return { state, removed: [] }
  const removed: ScrapedCleanupRemoval[] = []
  // Index -> the block's replacement (null: dropped).
  const changes = new Map<number, Node | null>()
  for (let i = 0; i < Math.min(root.children.length, LOOK_AHEAD); i++) {
    const block = root.children[i] as Node
    const text = nodeText(block)
    const textBlock = block.type === 'paragraph' || block.type === 'heading'
    if (textBlock && title.trim() && sameText(text, title)) {
      removed.push({ kind: 'title', text })
      changes.set(i, null)
      continue
    }
    if (textBlock && isStaleRelativeTime(text)) {
      removed.push({ kind: 'relativeTime', text })
      changes.set(i, null)
      continue
    }
    const trimmed = textBlock ? withoutStaleTail(block) : undefined
    if (trimmed) {
      removed.push({ kind: 'relativeTime', text: trimmed.tail })
      changes.set(i, trimmed.block)
      continue
    }
    // The article's text begins: the page's header ends here. Empty paragraphs, images, headings
    // that are not the title, bylines (a list of the author's name and role), rules: look on.
    if ((block.type === 'paragraph' && text !== '') || block.type === 'quote') break
  }
  if (removed.length === 0) return { state, removed }
  const children = root.children.flatMap((block, i) => {
    const change = changes.get(i)
    return change === undefined ? [block] : change === null ? [] : [change]
  })
  return { state: { ...(state as State), root: { ...root, children } } as T, removed }
}
