import {
  APIError,
  type CollectionAfterReadHook,
  type CollectionBeforeChangeHook,
  type CollectionBeforeDeleteHook,
  type CollectionConfig,
  type PayloadRequest,
  type Where,
} from 'payload'

import { adminsField, anyone, isEditorUser, staff, staffField } from '../src/access/roles'
import { editorsOrOwnMedia } from '../src/access/media'
import { adminComponents } from '../src/lib/adminComponents'
import type { Media as MediaDoc } from '../src/payload-types'
import { safeUrl, urlFieldProps } from '../src/richtext/safeUrl'
import { settings } from '../src/config'
import { AUTHORS, MEDIA, POSTS, SOURCES, USERS } from '../src/lib/slugs'

/** Image types by file extension, as Payload's admin knows them (payload/shared `isImage`). */
const IMAGE_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  webp: 'image/webp',
  avif: 'image/avif',
}

/**
 * The type of an image kept at its external URL, from its extension. The collection holds images
 * only (`upload.mimeTypes`), and hotlinked news images are mostly JPEG and often have no extension
 * (`/img?id=1`), so that is the type of the rest.
 */
export const externalImageType = (url: string): string => {
  let pathname = url
  try {
    pathname = new URL(url).pathname
  } catch {
    // Not an absolute URL: its own text is the path.
  }
  const extension = /\.([a-z0-9]+)$/i.exec(pathname)?.[1]?.toLowerCase()
  return (extension && IMAGE_TYPES[extension]) || 'image/jpeg'
}

/**
 * An image that stays at its external URL (the archive's images are hotlinked) is a media doc with
 * `externalUrl` and no file; `url` then points at the external URL so every consumer (REST, GraphQL,
 * the admin, `contentHtml`) treats both kinds alike. A URL no browser should load (stored before the
 * URL rules, or written around them) is never handed out.
 */
const pointUrlAtExternalImage: CollectionAfterReadHook = ({ doc }) => {
  if (doc.externalUrl && !doc.filename) {
    doc.url = doc.externalUrl
    doc.thumbnailURL = doc.externalUrl
    // The admin draws an image (editor, lists, drawers) only for a known image type, else a file icon.
    doc.mimeType ??= externalImageType(doc.externalUrl)
  }
  for (const key of ['url', 'thumbnailURL'] as const) {
    if (typeof doc[key] === 'string') doc[key] = safeUrl(doc[key], 'image') ?? null
  }
  return doc
}

/** Where a media doc shows: posts (hero image or in the content), authors' photos, sources' logos. */
export type MediaUse = {
  collection: 'posts' | 'authors' | 'sources'
  id: number | string
  title: string
  /** Readers see it: a published post, or an author or source (always public). */
  public: boolean
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** Posts that show `media`: as their hero image, or as an image in their body. */
const postsShowing = (media: { id: number | string; url?: string | null }): Where => {
  const url = media.url ? safeUrl(media.url, 'image') : undefined
  return {
    or: [
      { heroImage: { equals: media.id } },
      ...(url ? [{ contentHtml: { contains: `src="${escapeHtml(url)}"` } }] : []),
    ],
  }
}

/**
 * Every document that shows `media`. Posts are found by their hero image and by the image in their
 * rendered content (`contentHtml` carries `src="<the media's url>"`, which both databases can search,
 * where the Lexical JSON is opaque to queries), published versions and the latest drafts alike.
 */
export const findMediaUses = async (
  req: PayloadRequest,
  id: number | string,
): Promise<MediaUse[]> => {
  const { payload } = req
  // Read as every renderer reads it (afterRead gives external images their `url`).
  const media = await payload.findByID({
    collection: MEDIA,
    id,
    depth: 0,
    overrideAccess: true,
    req,
    disableErrors: true,
  })
  if (!media) return []
  const postWhere = postsShowing(media)
  const common = { depth: 0, limit: 50, overrideAccess: true, req } as const
  const [published, drafts, authors, sources] = await Promise.all([
    payload.find({
      ...common,
      collection: POSTS,
      where: { and: [postWhere, { _status: { equals: 'published' } }] },
      select: { title: true },
    }),
    payload.find({
      ...common,
      collection: POSTS,
      draft: true,
      where: postWhere,
      select: { title: true },
    }),
    payload.find({
      ...common,
      collection: AUTHORS,
      where: { photo: { equals: media.id } },
      select: { name: true },
    }),
    payload.find({
      ...common,
      collection: SOURCES,
      where: { logo: { equals: media.id } },
      select: { name: true },
    }),
  ])
  const uses = new Map<string, MediaUse>()
  for (const post of published.docs)
    uses.set(`posts:${post.id}`, {
      collection: POSTS,
      id: post.id,
      title: post.title,
      public: true,
    })
  for (const post of drafts.docs)
    if (!uses.has(`posts:${post.id}`))
      uses.set(`posts:${post.id}`, {
        collection: POSTS,
        id: post.id,
        title: post.title,
        public: false,
      })
  for (const author of authors.docs)
    uses.set(`authors:${author.id}`, {
      collection: AUTHORS,
      id: author.id,
      title: author.name,
      public: true,
    })
  for (const source of sources.docs)
    uses.set(`sources:${source.id}`, {
      collection: SOURCES,
      id: source.id,
      title: source.name,
      public: true,
    })
  return [...uses.values()]
}

const describeUses = (uses: MediaUse[]): string => {
  const shown = uses
    .slice(0, 5)
    .map(
      (u) =>
        `${u.collection === POSTS ? 'post' : u.collection.slice(0, -1)} "${u.title}" (id ${u.id})`,
    )
  return `${shown.join(', ')}${uses.length > 5 ? ` and ${uses.length - 5} more` : ''}`
}

/**
 * What readers see must not change under an editor's feet: a writer may change their own media only
 * while no published post, author or source shows it (access already limits writers to their own).
 */
const refuseWritersChangingPublicMedia: CollectionBeforeChangeHook<MediaDoc> = async ({
  data,
  operation,
  originalDoc,
  req,
}) => {
  if (operation !== 'update' || !req.user || isEditorUser(req.user) || !originalDoc) return data
  const shown = (await findMediaUses(req, originalDoc.id)).filter((use) => use.public)
  if (shown.length > 0) {
    throw new APIError(
      `Readers see this image in ${describeUses(shown)}; only editors and admins may change it.`,
      403,
    )
  }
  return data
}

/** Nobody deletes an image a document still shows (the post would keep an empty image); say which. */
const refuseDeletingUsedMedia: CollectionBeforeDeleteHook = async ({ id, req }) => {
  const uses = await findMediaUses(req, id)
  if (uses.length > 0) {
    throw new APIError(
      `This image is still used by ${describeUses(uses)}; remove it from ${uses.length === 1 ? 'it' : 'them'} before deleting it.`,
      409,
    )
  }
}

/** Records who uploaded or added an image: writers may change only their own. */
const stampUploader: CollectionBeforeChangeHook<MediaDoc> = ({ data, operation, req }) => {
  if (operation === 'create' && req.user && !data.createdBy) data.createdBy = req.user.id
  return data
}

const web = urlFieldProps('web')
/** An inline raster image (never SVG, which can carry script): what `<img src="data:...">` holds. */
const INLINE_RASTER = /^data:image\/(?:png|gif|jpeg|webp|avif|bmp);base64,[a-z0-9+/=\s]+$/i

/**
 * An absolute http(s) address, or an inline raster image: the importer keeps an article's inline
 * images (tracking pixels, placeholders) as media at their `data:` URL, which a web-only rule
 * refused on the Local API path while the bulk writer stored them.
 */
const externalUrlProps = {
  ...web,
  validate: (value: unknown, options?: { previousValue?: unknown }): string | true =>
    typeof value === 'string' && INLINE_RASTER.test(value) ? true : web.validate(value, options),
}

export const Media: CollectionConfig<'media'> = {
  slug: MEDIA,
  labels: { singular: { en: 'Media', zh: '媒体' }, plural: { en: 'Media', zh: '媒体' } },
  admin: {
    useAsTitle: 'alt',
    enableListViewSelectAPI: true,
    // `filename` stays first: upload and relationship drawers pick a document by their first column.
    defaultColumns: ['filename', 'alt', 'credit', 'externalUrl'],
    listSearchableFields: ['alt', 'filename', 'externalUrl', 'credit'],
    group: { en: 'Media', zh: '媒体' },
  },
  access: { read: anyone, create: staff, update: editorsOrOwnMedia, delete: editorsOrOwnMedia },
  upload: {
    staticDir: settings().mediaDir,
    mimeTypes: ['image/*'],
    filesRequiredOnCreate: false,
  },
  // What the file column (MediaFileCell) and the external-URL hook need, whatever the columns.
  forceSelect: { externalUrl: true, filename: true, mimeType: true, url: true, thumbnailURL: true },
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
  hooks: {
    beforeChange: [stampUploader, refuseWritersChangingPublicMedia],
    beforeDelete: [refuseDeletingUsedMedia],
    afterRead: [pointUrlAtExternalImage],
  },
  fields: [
    {
      // Merged into the upload's own `filename` field (Payload's mergeBaseFields): only its cell
      // changes, so an imported image (no file) shows its picture and a name instead of "null".
      name: 'filename',
      type: 'text',
      admin: { components: { Cell: adminComponents.mediaFileCell } },
    },
    { name: 'alt', type: 'text', label: { en: 'Alt text', zh: '替代文字' } },
    { name: 'caption', type: 'textarea', label: { en: 'Caption', zh: '图片说明' } },
    { name: 'credit', type: 'text', label: { en: 'Credit', zh: '图片来源' } },
    {
      name: 'externalUrl',
      type: 'text',
      unique: true,
      index: true,
      label: { en: 'External URL', zh: '外部网址' },
      ...externalUrlProps,
      admin: {
        description: {
          en: 'For images that stay on the original site (an http or https address): no file is stored here.',
          zh: '图片保留在原网站时填写（http 或 https 网址），本站不存储文件。',
        },
      },
    },
    {
      name: 'createdBy',
      type: 'relationship',
      relationTo: USERS,
      index: true,
      label: { en: 'Added by', zh: '添加者' },
      // Stamped from the logged-in user; readers never see it.
      access: { read: staffField, create: adminsField, update: adminsField },
      admin: { position: 'sidebar', readOnly: true },
    },
  ],
}
