import {
  BlocksFeature,
  EXPERIMENTAL_TableFeature,
  FixedToolbarFeature,
  LinkFeature,
  UploadFeature,
  lexicalEditor,
  type FeatureProviderServer,
} from '@payloadcms/richtext-lexical'
import type { FieldAffectingData, TextFieldSingleValidation } from 'payload'

import { EmbedBlock } from './Embed'
import { judgeUrl } from './safeUrl'

/**
 * The link drawer's URL check: http(s), mailto or relative only, judged as a browser reads it
 * (src/richtext/safeUrl.ts), instead of Payload's, which lets `java\tscript:` through. Internal links
 * carry a document, not a URL. Drafts skip field validation; `refuseUnsafeUrls` on posts covers them.
 */
const validateLinkUrl: TextFieldSingleValidation = (value, { siblingData }) => {
  if ((siblingData as { linkType?: string } | undefined)?.linkType === 'internal') return true
  const verdict = judgeUrl(value, 'link')
  return verdict.ok ? true : verdict.reason
}

const withSafeLinkUrl = ({ defaultFields }: { defaultFields: FieldAffectingData[] }) =>
  defaultFields.map((field) =>
    field.name === 'url' && field.type === 'text'
      ? ({ ...field, custom: { urlUse: 'link' }, validate: validateLinkUrl } as FieldAffectingData)
      : field,
  )

/**
 * The editor of `posts.content`. The importer writes exactly the node types this editor knows
 * (Payload stores unknown node types without complaint, so they must match): the default features
 * plus tables, embeds and uploads with a per-use caption.
 */
export const postContentEditor = lexicalEditor({
  features: ({ defaultFeatures }) => [
    ...defaultFeatures.filter((f: FeatureProviderServer) => f.key !== 'upload' && f.key !== 'link'),
    LinkFeature({ fields: withSafeLinkUrl }),
    FixedToolbarFeature(),
    EXPERIMENTAL_TableFeature(),
    BlocksFeature({ blocks: [EmbedBlock] }),
    UploadFeature({
      collections: {
        media: {
          fields: [
            { name: 'caption', type: 'textarea' },
            { name: 'alt', type: 'text' },
          ],
        },
      },
    }),
  ],
})
