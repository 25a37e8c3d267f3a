import type { SerializedEditorState } from 'lexical'

import {
  convertLexicalToHTML,
  type HTMLConverters,
  type HTMLConvertersFunction,
} from '@payloadcms/richtext-lexical/html'

import { safeUrl } from './safeUrl'

/** What the renderer needs to know about a media doc an upload node points at. */
export type MediaForHtml = {
  url: string
  alt?: null | string
  width?: null | number
  height?: null | number
}

export type RenderOptions = {
  /** Looks up the media doc of an upload node whose `value` is an id (not populated). */
  resolveMedia?: (id: number | string) => MediaForHtml | undefined
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** Hosts whose players are embedded as iframes; everything else is rendered as a link. */
export const EMBED_HOSTS = [
  'www.youtube.com',
  'youtube.com',
  'www.youtube-nocookie.com',
  'player.vimeo.com',
  'player.bilibili.com',
  'platform.twitter.com',
  'www.facebook.com',
  'w.soundcloud.com',
  'open.spotify.com',
  'www.instagram.com',
  // Players and document viewers met in the archive.
  'embed.acast.com',
  'player.captivate.fm',
  'embed.documentcloud.org',
  'docs.google.com',
  'drive.google.com',
  'www.slideshare.net',
  'www.dailymotion.com',
  'embed.ted.com',
  'datawrapper.dwcdn.net',
  'flo.uri.sh',
  'public.flourish.studio',
  // Documents, charts and players that outlets in the 64k archive embed (counted there: Google Docs
  // 86, The Economist's infographics 66, CNA's interactive projects 39, Kaltura 12, Iframely 10,
  // Google Drive 10, Brightcove, Scribd).
  'docs.google.com',
  'drive.google.com',
  'infographics.economist.com',
  'project.cna.com.tw',
  'cdnapisec.kaltura.com',
  'cdn.iframe.ly',
  'players.brightcove.net',
  'www.scribd.com',
]

/**
 * The fallback an archived `<iframe>` carried for browsers without frames, when it is one plain
 * link (`<a href="https://...">YouTube</a>`, as VOA's players have): kept verbatim inside the
 * rendered iframe, where browsers never show or run it (the HTML parser reads an iframe's content as
 * raw text) and text extraction finds it as the original page had it. Anything else (other markup,
 * a non-http link, a `<` in the text, which could close the iframe) is not kept.
 */
export const safeEmbedFallback = (raw: string | null | undefined): string | undefined => {
  const trimmed = raw?.trim()
  if (!trimmed || trimmed.length > 600) return undefined
  return /^<a\s+href="https?:\/\/[^"<>\s]*"\s*>[^<>]*<\/a>$/i.test(trimmed) ? trimmed : undefined
}

export const isEmbeddableUrl = (url: string): boolean => {
  const safe = safeUrl(url, 'embed')
  return safe !== undefined && EMBED_HOSTS.includes(new URL(safe).hostname)
}

type LinkArgs = { node: { fields: { url?: string; linkType?: string } } }

/**
 * A link converter that emits only what `safeUrl` allows (anything else becomes `#`), before
 * Payload's own converter writes the element. Internal links carry no URL and stay Payload's.
 */
const safeLinkConverter =
  (convert: unknown) =>
  (args: LinkArgs): string => {
    const render = convert as (a: LinkArgs) => string
    if (args.node.fields.linkType === 'internal') return render(args)
    const href = safeUrl(args.node.fields.url, 'link') ?? '#'
    return render({ ...args, node: { ...args.node, fields: { ...args.node.fields, url: href } } })
  }

const converters =
  (options: RenderOptions): HTMLConvertersFunction =>
  ({ defaultConverters }) =>
    ({
      ...defaultConverters,
      link: safeLinkConverter(defaultConverters.link),
      autolink: safeLinkConverter(defaultConverters.autolink),
      upload: ({ node }) => {
        const n = node as unknown as {
          value: unknown
          fields?: { alt?: string; caption?: string }
        }
        const media: MediaForHtml | undefined =
          n.value && typeof n.value === 'object'
            ? (n.value as MediaForHtml)
            : n.value != null
              ? options.resolveMedia?.(n.value as number | string)
              : undefined
        const src = safeUrl(media?.url, 'image')
        if (!media || !src) return ''
        const alt = escapeHtml(n.fields?.alt || media.alt || '')
        const size =
          (media.width ? ` width="${media.width}"` : '') +
          (media.height ? ` height="${media.height}"` : '')
        const img = `<img src="${escapeHtml(src)}" alt="${alt}"${size} loading="lazy" referrerpolicy="no-referrer">`
        const caption = n.fields?.caption
        return caption
          ? `<figure>${img}<figcaption>${escapeHtml(caption)}</figcaption></figure>`
          : `<figure>${img}</figure>`
      },
      // Tables render compactly (no whitespace between cells) so their visible text is the source's.
      table: ({ node, nodesToHTML }) =>
        `<table class="lexical-table"><tbody>${nodesToHTML({ nodes: (node as unknown as { children: [] }).children }).join('')}</tbody></table>`,
      tablerow: ({ node, nodesToHTML }) =>
        `<tr>${nodesToHTML({ nodes: (node as unknown as { children: [] }).children }).join('')}</tr>`,
      tablecell: ({ node, nodesToHTML }) => {
        const cell = node as unknown as {
          headerState?: number
          colSpan?: number
          rowSpan?: number
          children: { type: string; children?: [] }[]
        }
        const tag = cell.headerState && cell.headerState > 0 ? 'th' : 'td'
        const span =
          (cell.colSpan && cell.colSpan > 1 ? ` colspan="${cell.colSpan}"` : '') +
          (cell.rowSpan && cell.rowSpan > 1 ? ` rowspan="${cell.rowSpan}"` : '')
        // A cell's paragraphs are lines of the cell, not <p>s (which would add breaks readers never saw).
        const inner = cell.children
          .map((c) =>
            c.type === 'paragraph'
              ? nodesToHTML({ nodes: (c.children ?? []) as [] }).join('')
              : nodesToHTML({ nodes: [c] as unknown as [] }).join(''),
          )
          .filter(Boolean)
          .join('<br />')
        return `<${tag}${span}>${inner}</${tag}>`
      },
      blocks: {
        embed: ({ node }) => {
          const f = (
            node as unknown as {
              fields: { url: string; title?: string; provider?: string; fallback?: string | null }
            }
          ).fields
          const safe = safeUrl(f.url, 'embed')
          const title = escapeHtml(f.title || f.url || '')
          // A URL no browser should open (stored before the rule, or by a path around it): the
          // title alone, as text.
          if (!safe) return title ? `<p class="embed">${title}</p>` : ''
          const url = escapeHtml(safe)
          if (f.provider === 'video' || f.provider === 'audio') {
            return `<${f.provider} src="${url}" controls preload="none"></${f.provider}>`
          }
          if (isEmbeddableUrl(safe)) {
            return `<div class="embed"><iframe src="${url}" title="${title}" loading="lazy" sandbox="allow-scripts allow-same-origin allow-presentation" allowfullscreen>${safeEmbedFallback(f.fallback) ?? ''}</iframe></div>`
          }
          return `<p class="embed"><a href="${url}" rel="noopener noreferrer">${title}</a></p>`
        },
      },
    }) as HTMLConverters

/**
 * Renders `posts.content` to the HTML stored in `posts.contentHtml`. Pure: media docs are passed in
 * (populated upload values or `resolveMedia`), so the importer, the collection hook and tests all
 * share this one renderer.
 */
export const renderContentHtml = (
  data: SerializedEditorState | null | undefined,
  options: RenderOptions = {},
): string => {
  if (!data?.root) return ''
  return convertLexicalToHTML({ data, converters: converters(options), disableContainer: true })
}

/** Ids of the media docs the upload nodes of a Lexical document point at. */
export const collectUploadIds = (
  data: SerializedEditorState | null | undefined,
): (number | string)[] => {
  const ids = new Set<number | string>()
  const visit = (node: { type?: string; value?: unknown; children?: unknown[] }) => {
    if (
      node.type === 'upload' &&
      (typeof node.value === 'number' || typeof node.value === 'string')
    ) {
      ids.add(node.value)
    }
    node.children?.forEach((c) => visit(c as typeof node))
  }
  if (data?.root) visit(data.root as unknown as { children?: unknown[] })
  return [...ids]
}
