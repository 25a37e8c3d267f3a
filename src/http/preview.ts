import { Router, type Response } from 'express'
import type { Payload } from 'payload'

import { isStaffUser } from '../access/roles'
import type { Author, Media, Post, Source } from '../payload-types'
import { sanitizeRenderedHtml } from '../richtext/safeHtml'
import { safeUrl } from '../richtext/safeUrl'
import { headersOf } from '../lib/requestHeaders'
import { POSTS } from '../lib/slugs'

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

const isPopulated = <T extends object>(value: unknown): value is T =>
  typeof value === 'object' && value !== null

const page = (title: string, body: string, lang = 'zh') => `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>
  body { margin: 0; font: 18px/1.7 system-ui, -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #1a1a1a; background: #fff; }
  .preview-banner { background: #fff3cd; border-bottom: 1px solid #e0c36c; padding: .5em 1em; font-size: 14px; }
  article { max-width: 42em; margin: 2em auto; padding: 0 1em; }
  h1 { font-size: 2em; line-height: 1.25; margin: 0 0 .4em; }
  .byline, .dateline { color: #555; font-size: 15px; margin: 0; }
  .hero { margin: 1.2em 0; }
  img { max-width: 100%; height: auto; }
  figure { margin: 1.2em 0; }
  figcaption { color: #555; font-size: 14px; }
  .attribution { border-top: 1px solid #ddd; margin-top: 2em; padding-top: 1em; color: #444; font-size: 15px; }
  iframe { max-width: 100%; }
  table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .3em .5em; }
</style>
</head>
<body>${body}</body>
</html>`

/** The post as a reader's page: title, byline, dates, hero image, the rendered body, the outlet's credit. */
export const renderPostPage = (post: Post): string => {
  const authors = (post.authors ?? [])
    .filter((a): a is Author => isPopulated<Author>(a))
    .map((a) => a.name)
  const source = isPopulated<Source>(post.source) ? post.source : undefined
  const hero = isPopulated<Media>(post.heroImage) ? post.heroImage : undefined
  const heroUrl = safeUrl(hero?.url, 'image')
  const published = post._status === 'published'
  const date = post.publishedAt ? new Date(post.publishedAt) : undefined
  const originalUrl = safeUrl(post.sourceUrl, 'web')
  const homepage = safeUrl(source?.homepage, 'web')

  const banner = published
    ? date && date.getTime() > Date.now()
      ? `<div class="preview-banner" data-testid="preview-banner">Preview · published, under embargo until ${escapeHtml(date.toISOString())}</div>`
      : ''
    : `<div class="preview-banner" data-testid="preview-banner">Preview · draft (${escapeHtml(post.editorialState ?? 'draft')}), not visible to readers</div>`

  const credit = source
    ? `<footer class="attribution" data-testid="preview-attribution">
  <p>来源 / Source: ${homepage ? `<a href="${escapeHtml(homepage)}" rel="noopener">${escapeHtml(source.name)}</a>` : escapeHtml(source.name)}${
    originalUrl
      ? ` · <a href="${escapeHtml(originalUrl)}" rel="noopener nofollow">原文 / Original</a>`
      : ''
  }</p>
  ${source.attribution ? `<p>${escapeHtml(source.attribution)}</p>` : ''}
</footer>`
    : originalUrl
      ? `<footer class="attribution" data-testid="preview-attribution"><p><a href="${escapeHtml(originalUrl)}" rel="noopener nofollow">原文 / Original</a></p></footer>`
      : ''

  const body = `${banner}
<article data-testid="preview-article">
  <h1>${escapeHtml(post.title)}</h1>
  ${authors.length ? `<p class="byline" data-testid="preview-byline">${escapeHtml(authors.join('、'))}</p>` : ''}
  ${date ? `<p class="dateline"><time datetime="${escapeHtml(date.toISOString())}">${escapeHtml(date.toISOString().slice(0, 16).replace('T', ' '))} UTC</time></p>` : ''}
  ${heroUrl ? `<figure class="hero"><img src="${escapeHtml(heroUrl)}" alt="${escapeHtml(hero?.alt ?? '')}"></figure>` : ''}
  <div class="content" data-testid="preview-content">${sanitizeRenderedHtml(post.contentHtml ?? '')}</div>
  ${credit}
</article>`
  return page(post.title, body)
}

const sendError = (res: Response, status: number, message: string) => {
  res
    .status(status)
    .type('html')
    .send(page(message, `<article><h1>${escapeHtml(message)}</h1></article>`, 'en'))
}

/**
 * GET /preview/posts/:id: a post, draft or not, as readers will see it, for signed-in staff only (the
 * admin session cookie or an Authorization header). The edit view links here (`admin.preview`).
 * Never cached: a preview shows unpublished text.
 */
export const previewRouter = (payload: Payload): Router => {
  const router = Router()
  router.get('/preview/posts/:id', async (req, res, next) => {
    res.set('cache-control', 'no-store')
    res.set('x-robots-tag', 'noindex')
    // Only the admin (same origin) may frame a preview: another site framing a signed-in editor's
    // preview could overlay it (clickjacking) or read unpublished text into view.
    res.set('x-frame-options', 'SAMEORIGIN')
    res.set('content-security-policy', "frame-ancestors 'self'")
    try {
      const { user } = await payload.auth({ headers: headersOf(req) })
      if (!user) return sendError(res, 401, 'Sign in to the admin to preview posts.')
      if (!isStaffUser(user)) return sendError(res, 403, 'Only newsroom staff can preview posts.')
      const id = req.params.id
      if (!/^[\w-]+$/.test(id)) return sendError(res, 404, 'No such post.')
      const post = await payload.findByID({
        collection: POSTS,
        id,
        draft: true,
        depth: 1,
        user,
        overrideAccess: false,
        disableErrors: true,
      })
      if (!post) return sendError(res, 404, 'No such post.')
      // Draft text and hotlinked archive images only: scripts never run in a preview.
      res.set(
        'content-security-policy',
        "default-src 'none'; img-src 'self' https: http: data:; style-src 'unsafe-inline'; frame-src https:; media-src 'self' https:; frame-ancestors 'self'",
      )
      res.type('html').send(renderPostPage(post as Post))
    } catch (err) {
      next(err)
    }
  })
  return router
}
