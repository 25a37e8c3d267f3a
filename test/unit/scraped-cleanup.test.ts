import { describe, expect, it } from '@jest/globals'

import { heading, paragraph, text, upload } from '../../src/richtext/lexical'
import { cleanScrapedContent, isStaleRelativeTime } from '../../src/richtext/scrapedCleanup'

const body = (...children: unknown[]) => ({
  root: { type: 'root', version: 1, direction: null, format: '', indent: 0, children },
})
const TITLE = 'BBC记者加德纳披露艰难伤残生活的冰山一角'

describe("the editor's scraped-page cleanup", () => {
  it('drops a stale relative time and a first heading that repeats the title, nothing else', () => {
    const article = paragraph([text('BBC记者加德纳的文章。')])
    const state = body(
      heading('h1', [text(TITLE)]),
      paragraph([text('59 分钟前')]),
      upload('u1', 'https://example.com/a.jpg', null, null),
      article,
    )
    const { state: cleaned, removed } = cleanScrapedContent(state, TITLE)
    expect(removed).toEqual([
      { kind: 'title', text: TITLE },
      { kind: 'relativeTime', text: '59 分钟前' },
    ])
    expect(cleaned.root.children).toEqual([
      upload('u1', 'https://example.com/a.jpg', null, null),
      article,
    ])
    // The draft in the form is not changed in place: the editor applies the result.
    expect(state.root.children).toHaveLength(4)
  })

  it('reads relative times in Chinese and English, with an "updated" prefix', () => {
    for (const stale of [
      '59 分钟前',
      '最近更新： 7 分钟前',
      '1 小时前',
      '3天前',
      '刚刚',
      '3 hours ago',
      'Updated: 5 minutes ago',
      'an hour ago',
    ])
      expect([stale, isStaleRelativeTime(stale)]).toEqual([stale, true])
    for (const kept of [
      '10天前马云和王岐山在同一场合发言',
      '2020年11月6日',
      'Three hours ago, police said',
      '',
    ])
      expect([kept, isStaleRelativeTime(kept)]).toEqual([kept, false])
  })

  it('leaves the article alone once its text begins: a later time or title heading stays', () => {
    const state = body(
      paragraph([text('第一段正文。')]),
      paragraph([text('59 分钟前')]),
      heading('h2', [text(TITLE)]),
    )
    const result = cleanScrapedContent(state, TITLE)
    expect(result.removed).toEqual([])
    expect(result.state).toBe(state)
  })

  it('looks past a byline and a repeated title paragraph, and keeps the date before an "updated" tail', () => {
    const byline = { ...paragraph([text('詹姆斯·加拉格尔 BBC医疗和科技事务记者')]), type: 'list' }
    const dated = paragraph([text('2020年10月2日凌晨5点08分最近更新： 2 小时前')])
    const article = paragraph([text('正文第一段。')])
    const state = body(
      heading('h1', [text(TITLE)]),
      byline,
      paragraph([text(TITLE)]),
      dated,
      article,
    )
    const { state: cleaned, removed } = cleanScrapedContent(state, TITLE)
    expect(removed).toEqual([
      { kind: 'title', text: TITLE },
      { kind: 'title', text: TITLE },
      { kind: 'relativeTime', text: '最近更新： 2 小时前' },
    ])
    expect(cleaned.root.children).toEqual([
      byline,
      paragraph([text('2020年10月2日凌晨5点08分')]),
      article,
    ])
  })

  it('keeps a first heading that is not the title', () => {
    const state = body(heading('h2', [text('另一个标题')]), paragraph([text('正文')]))
    expect(cleanScrapedContent(state, TITLE).removed).toEqual([])
  })
})
