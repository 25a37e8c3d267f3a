import { excerptFromHtml, visibleText } from '../../src/richtext/text'

describe('the visible text and excerpt readers see', () => {
  it('keeps zero-width non-joiners inside Persian words', () => {
    expect(visibleText('<p>می\u200cخواهم بروم</p>')).toBe('می\u200cخواهم بروم')
  })

  it('keeps emoji families whole (zero-width joiners between the people)', () => {
    const family = '👩\u200d👩\u200d👧'
    expect(excerptFromHtml(`<p>A family ${family} at home</p>`)).toBe(`A family ${family} at home`)
  })

  it('drops joiners that stand beside spaces or at the ends, and zero-width spaces', () => {
    expect(visibleText('<p>\u200dword \u200c next\u200b one\u200c</p>')).toBe('word next one')
  })
})
