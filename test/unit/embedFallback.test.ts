import { describe, expect, it } from '@jest/globals'

import { embedBlock, root } from '../../src/richtext/lexical'
import { renderContentHtml, safeEmbedFallback } from '../../src/richtext/html'

const withEmbed = (fallback: string) =>
  root([
    embedBlock('e1', {
      url: 'https://www.youtube.com/embed/abc',
      provider: 'youtube',
      title: '',
      fallback,
    }),
  ]) as never

describe("an embed's fallback link", () => {
  it('is kept only when it is one plain http(s) link', () => {
    expect(safeEmbedFallback(' <a href="https://www.youtube.com/watch?v=a&&&">YouTube</a> ')).toBe(
      '<a href="https://www.youtube.com/watch?v=a&&&">YouTube</a>',
    )
    for (const bad of [
      '<a href="javascript:alert(1)">x</a>',
      '<a href="https://x.test" onclick="alert(1)">x</a>',
      '</iframe><script>alert(1)</script>',
      '<a href="https://x.test">x</a></iframe><script>alert(1)</script><a href="https://x.test">y</a>',
      '<p>text</p>',
      '',
    ]) {
      expect(safeEmbedFallback(bad)).toBeUndefined()
    }
  })

  it('is rendered inside the iframe, and a crafted one sent through the API is not rendered at all', () => {
    expect(
      renderContentHtml(withEmbed('<a href="https://www.youtube.com/watch?v=abc">YouTube</a>')),
    ).toContain(
      'allowfullscreen><a href="https://www.youtube.com/watch?v=abc">YouTube</a></iframe>',
    )
    const crafted = renderContentHtml(withEmbed('</iframe><script>alert(1)</script>'))
    expect(crafted).not.toMatch(/<script|alert/)
    expect(crafted).toContain('allowfullscreen></iframe>')
  })
})
