import type { Block } from 'payload'

import { judgeUrl } from './safeUrl'

/**
 * An embedded player or post from a known provider (YouTube, Vimeo, Twitter/X, ...).
 * The archive's `<iframe>`s become this block; the HTML renderer turns it back into a sandboxed
 * iframe for allow-listed providers and a plain link otherwise, so stored content never carries
 * active markup.
 */
export const EmbedBlock: Block = {
  slug: 'embed',
  interfaceName: 'EmbedBlock',
  labels: { singular: { en: 'Embed', zh: '嵌入' }, plural: { en: 'Embeds', zh: '嵌入' } },
  fields: [
    {
      name: 'url',
      type: 'text',
      required: true,
      label: { en: 'URL', zh: '网址' },
      custom: { urlUse: 'embed' },
      // Drafts skip this; `refuseUnsafeUrls` on posts judges every save.
      validate: (value: unknown) => {
        const verdict = judgeUrl(value, 'embed')
        return verdict.ok ? true : verdict.reason
      },
    },
    { name: 'provider', type: 'text', label: { en: 'Provider', zh: '提供方' } },
    { name: 'title', type: 'text', label: { en: 'Title', zh: '标题' } },
    { name: 'width', type: 'number' },
    { name: 'height', type: 'number' },
    {
      // Only a plain link is kept (safeEmbedFallback in src/richtext/html.ts); the importer fills it.
      name: 'fallback',
      type: 'text',
      label: { en: 'Fallback link', zh: '备用链接' },
      admin: {
        readOnly: true,
        description: {
          en: 'The link the original page showed where frames are off. Kept inside the player, never shown.',
          zh: '原网页在不支持框架时显示的链接，保存在播放器内，不会显示。',
        },
      },
    },
  ],
}
