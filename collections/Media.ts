import path from 'node:path'
import type { CollectionAfterReadHook, CollectionConfig } from 'payload'

import { anyone, staff } from '../src/access/roles'

/**
 * An image that stays at its external URL (the archive's images are hotlinked) is a media doc with
 * `externalUrl` and no file; `url` then points at the external URL so every consumer (REST, GraphQL,
 * the admin, `contentHtml`) treats both kinds alike.
 */
const pointUrlAtExternalImage: CollectionAfterReadHook = ({ doc }) => {
  if (doc.externalUrl && !doc.filename) {
    doc.url = doc.externalUrl
    doc.thumbnailURL = doc.externalUrl
  }
  return doc
}

export const Media: CollectionConfig<'media'> = {
  slug: 'media',
  labels: { singular: { en: 'Media', zh: '媒体' }, plural: { en: 'Media', zh: '媒体' } },
  admin: {
    useAsTitle: 'alt',
    defaultColumns: ['filename', 'externalUrl', 'alt', 'credit'],
    listSearchableFields: ['alt', 'filename', 'externalUrl', 'credit'],
    group: { en: 'Media', zh: '媒体' },
  },
  access: { read: anyone, create: staff, update: staff, delete: staff },
  upload: {
    staticDir: path.resolve(process.env.MEDIA_DIR || 'data/media'),
    mimeTypes: ['image/*'],
    filesRequiredOnCreate: false,
  },
  defaultPopulate: {
    url: true,
    alt: true,
    caption: true,
    credit: true,
    width: true,
    height: true,
    externalUrl: true,
    filename: true,
    mimeType: true,
  },
  hooks: { afterRead: [pointUrlAtExternalImage] },
  fields: [
    { name: 'alt', type: 'text', label: { en: 'Alt text', zh: '替代文字' } },
    { name: 'caption', type: 'textarea', label: { en: 'Caption', zh: '图片说明' } },
    { name: 'credit', type: 'text', label: { en: 'Credit', zh: '图片来源' } },
    {
      name: 'externalUrl',
      type: 'text',
      unique: true,
      index: true,
      label: { en: 'External URL', zh: '外部网址' },
      admin: {
        description: {
          en: 'For images that stay on the original site: no file is stored here.',
          zh: '图片保留在原网站时填写，本站不存储文件。',
        },
      },
    },
  ],
}
