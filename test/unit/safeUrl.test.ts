import { describe, expect, it } from '@jest/globals'

import { embedBlock, link, paragraph, root, text } from '../../src/richtext/lexical'
import { resolveAgainst } from '../../src/importer/url'
import { renderContentHtml } from '../../src/richtext/html'
import { sanitizeRenderedHtml } from '../../src/richtext/safeHtml'
import { judgeUrl, safeUrl } from '../../src/richtext/safeUrl'

// What browsers read as `javascript:` although a naive check does not (issue 11, item 6).
const SCRIPT_URLS = [
  'java\tscript:alert(document.domain)',
  '\u0001javascript:alert(document.domain)',
  ' javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'java\nscript:alert(1)',
  'javascript\r:alert(1)',
  '\u0000\u001fjavascript:alert(1)\u0000',
  'vbscript:msgbox(1)',
  'data:text/html,<script>alert(1)</script>',
  'javascript&#58;alert(1)',
  '&#106;avascript:alert(1)',
  'javascript&colon;alert(1)',
]

describe('safeUrl: URLs judged as browsers parse them', () => {
  it.each(SCRIPT_URLS)('refuses %j for every use', (raw) => {
    for (const use of ['link', 'image', 'embed', 'web'] as const) {
      expect(judgeUrl(raw, use)).toMatchObject({ ok: false })
    }
  })

  it('allows http(s) everywhere, mailto and relative links only as links', () => {
    expect(safeUrl('https://www.youtube.com/embed/x', 'embed')).toBe(
      'https://www.youtube.com/embed/x',
    )
    expect(safeUrl(' HTTPS://Example.COM/a b', 'web')).toBe('https://example.com/a%20b')
    expect(safeUrl('mailto:desk@example.com', 'link')).toBe('mailto:desk@example.com')
    expect(safeUrl('mailto:desk@example.com', 'web')).toBeUndefined()
    expect(safeUrl('/api/media/file/a.jpg', 'image')).toBe('/api/media/file/a.jpg')
    expect(safeUrl('#notes', 'link')).toBe('#notes')
    expect(safeUrl('/relative', 'embed')).toBeUndefined()
    expect(safeUrl('/relative', 'web')).toBeUndefined()
    expect(safeUrl('data:image/png;base64,AAAA', 'image')).toBe('data:image/png;base64,AAAA')
    expect(safeUrl('data:image/png;base64,AAAA', 'link')).toBeUndefined()
    expect(safeUrl('ftp://example.com/x', 'link')).toBeUndefined()
    expect(safeUrl('https://', 'web')).toBeUndefined()
  })

  it('gives a reason an editor can act on, control characters spelled out', () => {
    const verdict = judgeUrl('\u0001javascript:alert(1)', 'embed')
    expect(verdict).toEqual({
      ok: false,
      reason: 'The "javascript:" scheme is not allowed; it must be an absolute http(s) address.',
    })
  })

  it("is the importer's rule too: resolveAgainst drops what a browser would run", () => {
    expect(resolveAgainst('java\tscript:alert(1)', 'https://news.example/a')).toBeUndefined()
    expect(resolveAgainst('/b?c=1', 'https://news.example/a')).toBe('https://news.example/b?c=1')
    expect(resolveAgainst('//cdn.example/x.jpg', undefined)).toBe('https://cdn.example/x.jpg')
  })
})

describe('rendering content stored before the rule (defence at render)', () => {
  it.each(SCRIPT_URLS)('an embed or link to %j renders without any script URL', (raw) => {
    const html = renderContentHtml(
      root([
        embedBlock('e1', { url: raw, provider: 'youtube', title: 'player' }),
        embedBlock('e2', { url: raw, provider: 'video', title: '' }),
        paragraph([link(raw, [text('click')])]),
      ]) as never,
    )
    expect(html).not.toMatch(/(?:href|src)="(?!https?:|#|\/)/i)
    expect(html).toContain('player')
    expect(html).toContain('click')
  })

  it('keeps a safe embed as a sandboxed player and a safe link as it was', () => {
    const html = renderContentHtml(
      root([
        embedBlock('e1', {
          url: 'https://www.youtube.com/embed/abc',
          provider: 'youtube',
          title: 't',
        }),
        paragraph([link('https://example.com/a?b=1&c=2', [text('x')])]),
      ]) as never,
    )
    expect(html).toContain('<iframe src="https://www.youtube.com/embed/abc"')
    expect(html).toContain('href="https://example.com/a?b=1&amp;c=2"')
  })

  it('sanitizeRenderedHtml removes handlers, scripts and script URLs from stored HTML, and leaves clean HTML byte for byte', () => {
    const clean =
      '<p>a &amp; b <a href="https://x.example/?a=1&amp;b=2">x</a></p><img src="/api/media/file/a.jpg" alt="">'
    expect(sanitizeRenderedHtml(clean)).toBe(clean)
    const dirty =
      '<p onclick="alert(1)">t</p><a href="java&#x09;script:alert(1)">x</a><iframe src="&#x01;javascript:alert(1)"></iframe><script>alert(1)</script><img src=x onerror=alert(1)>'
    const out = sanitizeRenderedHtml(dirty)
    expect(out).not.toMatch(/onclick|onerror|<script|javascript/i)
    expect(out).toContain('<p>t</p>')
  })
})
