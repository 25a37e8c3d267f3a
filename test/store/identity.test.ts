import { describe, expect, it } from '@jest/globals'

import { isKnownHost, matchKey, normaliseUrl } from '../../src/store/identity'

/** Issue 19, item 2: the matching key ignores what does not change the page, and nothing else. */
describe('matchKey: one key per page a reader gets, kept apart from the link as written', () => {
  it.each([
    ['the scheme', 'http://News.Example.org/a/b', 'https://news.example.org/a/b'],
    ['default ports', 'https://news.example.org:443/a', 'http://news.example.org:80/a'],
    [
      'percent-escaping',
      'https://news.example.org/新闻/a%20b',
      'https://news.example.org/%E6%96%B0%E9%97%BB/a b',
    ],
    [
      'utm_* parameters',
      'https://news.example.org/a?id=3&utm_source=x&utm_medium=rss',
      'https://news.example.org/a?id=3',
    ],
    [
      'click ids',
      'https://news.example.org/a?fbclid=1&gclid=2&mc_cid=3',
      'https://news.example.org/a',
    ],
  ])('ignores %s', (_what, a, b) => {
    expect(matchKey(a)).toBe(matchKey(b))
  })

  it.each([
    [
      'a fragment that distinguishes items',
      'https://pod.example.org/#ep1',
      'https://pod.example.org/#ep2',
    ],
    ['other query parameters', 'https://news.example.org/a?rss=1', 'https://news.example.org/a'],
    ['a parameter value', 'https://news.example.org/a?id=3', 'https://news.example.org/a?id=4'],
    [
      'a doubled slash in the path',
      'https://news.example.org/a//b',
      'https://news.example.org/a/b',
    ],
    ['another port', 'https://news.example.org:8443/a', 'https://news.example.org/a'],
  ])('keeps %s', (_what, a, b) => {
    expect(matchKey(a)).not.toBe(matchKey(b))
  })

  it('is undefined for what is not an http(s) URL', () => {
    expect(matchKey('javascript:alert(1)')).toBeUndefined()
    expect(matchKey('not a url')).toBeUndefined()
    expect(matchKey('')).toBeUndefined()
  })

  it("leaves the archive's own key as it was (existing imports stay unchanged)", () => {
    expect(normaliseUrl('http://News.Example.org//a?rss=1&utm_source=x#top')).toBe(
      'https://news.example.org/a',
    )
  })
})

describe("isKnownHost: an item's host against its source's hosts", () => {
  it.each([
    ['news.example.org', ['news.example.org'], true],
    ['www.example.org', ['feeds.example.org'], true],
    ['example.org', ['www.example.org'], true],
    ['www.bbc.co.uk', ['feeds.bbc.co.uk'], true],
    ['evil.co.uk', ['www.bbc.co.uk'], false],
    ['elsewhere.invalid', ['news.example.org', '127.0.0.1'], false],
    ['news.example.org', [], false],
  ] as const)('%s among %j: %s', (host, known, expected) => {
    expect(isKnownHost(host, known)).toBe(expected)
  })
})
