/**
 * The editor's one-click cleanup of a scraped page (the "Clean up scraped page" button above a post's
 * content, src/admin/posts/ScrapedCleanup.tsx): at the top of the body, before its first paragraph
 * of text, it drops
 * - a stale relative time, a block that reads only "59 分钟前", "最近更新： 7 分钟前", "3 hours ago":
 *   true when the page was fetched, wrong ever after;
 * - a heading that repeats the post's title (the page's own headline above the article).
 * Nothing below the first paragraph is touched, and a block with anything more than the time (a
 * sentence saying "10天前...") stays. Pure: no Payload, no DOM, safe in the browser.
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
export type ScrapedCleanupRemoval = { kind: 'relativeTime' | 'titleHeading'; text: string }

/** What a body would lose to the cleanup, and the body without it. No removals: `state` itself. */
export const cleanScrapedContent = <T>(
  state: T,
  title: string,
): { state: T; removed: ScrapedCleanupRemoval[] } => {
  const root = (state as State | null | undefined)?.root
  if (!root || !Array.isArray(root.children)) return { state, removed: [] }
  const removed: ScrapedCleanupRemoval[] = []
  const drop = new Set<number>()
  for (let i = 0; i < Math.min(root.children.length, LOOK_AHEAD); i++) {
    const block = root.children[i] as Node
    const text = nodeText(block)
    if (block.type === 'heading' && title.trim() && sameText(text, title)) {
      removed.push({ kind: 'titleHeading', text })
      drop.add(i)
    } else if (
      (block.type === 'paragraph' || block.type === 'heading') &&
      isStaleRelativeTime(text)
    ) {
      removed.push({ kind: 'relativeTime', text })
      drop.add(i)
    } else if (block.type === 'paragraph' && text === '') {
      // An empty paragraph between header parts: look on.
    } else if (block.type === 'paragraph' || block.type === 'quote' || block.type === 'list') {
      // The article's text begins: the page's header ends here.
      break
    }
    // Images, headings that are not the title, rules: part of the header; look on.
  }
  if (removed.length === 0) return { state, removed }
  const children = root.children.filter((_, i) => !drop.has(i))
  return { state: { ...(state as State), root: { ...root, children } } as T, removed }
}
