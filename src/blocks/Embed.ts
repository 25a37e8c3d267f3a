import type { Block } from 'payload'

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
    { name: 'url', type: 'text', required: true, label: { en: 'URL', zh: '网址' } },
    { name: 'provider', type: 'text', label: { en: 'Provider', zh: '提供方' } },
    { name: 'title', type: 'text', label: { en: 'Title', zh: '标题' } },
    { name: 'width', type: 'number' },
    { name: 'height', type: 'number' },
  ],
}
