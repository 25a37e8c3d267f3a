import type { Payload } from 'payload'

/** A deterministic pseudo-random sequence (mulberry32), so every synthetic database is the same. */
const random = (seed: number) => () => {
  seed |= 0
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const HAN =
  '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你而发年动同工面说能定过子民前法经现所起政点从业本义新家学制方实长些机力理外当'

const paragraph = (next: () => number, length: number) =>
  Array.from({ length }, (_, i) =>
    i > 0 && i % 24 === 0 ? '，' : HAN[Math.floor(next() * HAN.length)],
  ).join('') + '。'

const lexical = (texts: string[]) => ({
  root: {
    type: 'root',
    version: 1,
    direction: 'ltr',
    format: '',
    indent: 0,
    children: texts.map((text) => ({
      type: 'paragraph',
      version: 1,
      direction: 'ltr',
      format: '',
      indent: 0,
      textFormat: 0,
      textStyle: '',
      children: [
        { type: 'text', version: 1, text, format: 0, mode: 'normal', style: '', detail: 0 },
      ],
    })),
  },
})

export type SyntheticSummary = {
  posts: number
  published: number
  sources: number
  categories: number
  authors: number
  ms: number
}

/**
 * Writes `count` synthetic posts shaped like the archive (Chinese body of ~8 paragraphs, its HTML,
 * 1-2 categories and authors, tags, a source and a sourceUrl, publishedAt over 2015-2026; ~3%
 * drafts and ~1% under embargo) straight through the database adapter, in batches of 1,000:
 * hooks and versions are skipped, which is what a bulk load does.
 */
export const writeSyntheticPosts = async (
  payload: Payload,
  count: number,
  log: (line: string) => void,
): Promise<SyntheticSummary> => {
  const started = performance.now()
  const next = random(42)
  const sourceNames = [
    'rfi',
    'zaobao',
    'bbc',
    'voa',
    'dw',
    'nyt',
    'ftchinese',
    'cna',
    'rfa',
    'initium',
    'theinitium',
    'udn',
  ]
  const sources = []
  for (const slug of sourceNames) {
    sources.push(
      await payload.create({
        collection: 'sources',
        data: {
          name: `来源 ${slug.toUpperCase()}`,
          slug,
          homepage: `https://${slug}.example/`,
          attribution: `© ${slug.toUpperCase()}，转载请注明出处`,
        },
      }),
    )
  }
  const categories = []
  for (let i = 0; i < 20; i++) {
    categories.push(
      await payload.create({
        collection: 'categories',
        data: { name: `栏目${i}`, slug: `category-${i}` },
      }),
    )
  }
  const authors = []
  for (let i = 0; i < 200; i++) {
    authors.push(
      await payload.create({
        collection: 'authors',
        data: { name: `作者${i}`, slug: `author-${i}` },
      }),
    )
  }
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)] as T
  const from = Date.parse('2015-01-01T00:00:00Z')
  const to = Date.parse('2026-11-01T00:00:00Z')
  let published = 0
  const batch = 1000
  for (let start = 0; start < count; start += batch) {
    // null when the adapter runs without transactions: then each row commits on its own.
    const transactionID = await payload.db.beginTransaction()
    const req = { transactionID: transactionID ?? undefined, payload } as never
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const texts = Array.from({ length: 6 + Math.floor(next() * 5) }, () =>
        paragraph(next, 80 + Math.floor(next() * 120)),
      )
      const roll = next()
      const status = roll < 0.03 ? 'draft' : 'published'
      const embargoed = roll >= 0.03 && roll < 0.04
      const publishedAt = embargoed
        ? new Date(Date.parse('2099-01-01T00:00:00Z') + i * 1000)
        : new Date(from + next() * (to - from))
      if (status === 'published' && !embargoed) published++
      const source = pick(sources)
      await payload.db.create({
        collection: 'posts',
        req,
        data: {
          title: `${texts[0]!.slice(0, 18)} ${i}`,
          slug: `post-${i}`,
          content: lexical(texts),
          contentHtml: texts.map((t) => `<p>${t}</p>`).join(''),
          excerpt: texts[0]!.slice(0, 80),
          source: source.id,
          sourceUrl: `https://${source.slug}.example/news/${i}`,
          categories: Array.from(
            new Set([pick(categories).id, ...(next() < 0.4 ? [pick(categories).id] : [])]),
          ),
          authors: Array.from(
            new Set([pick(authors).id, ...(next() < 0.2 ? [pick(authors).id] : [])]),
          ),
          tags: Array.from(
            { length: Math.floor(next() * 4) },
            () => `标签${Math.floor(next() * 300)}`,
          ),
          publishedAt: publishedAt.toISOString(),
          editorialState: 'approved',
          _status: status,
          review: { flagged: false },
        },
      })
    }
    if (transactionID != null) await payload.db.commitTransaction(transactionID)
    if ((start / batch) % 10 === 9 || start + batch >= count)
      log(`  ${Math.min(count, start + batch)} / ${count} posts written`)
  }
  return {
    posts: count,
    published,
    sources: sources.length,
    categories: categories.length,
    authors: authors.length,
    ms: Math.round(performance.now() - started),
  }
}
