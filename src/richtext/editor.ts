import {
  BlocksFeature,
  EXPERIMENTAL_TableFeature,
  FixedToolbarFeature,
  UploadFeature,
  lexicalEditor,
} from '@payloadcms/richtext-lexical'

import { EmbedBlock } from '../blocks/Embed'

/**
 * The editor of `posts.content`. The importer writes exactly the node types this editor knows
 * (Payload stores unknown node types without complaint, so they must match): the default features
 * plus tables, embeds and uploads with a per-use caption.
 */
export const postContentEditor = lexicalEditor({
  features: ({ defaultFeatures }) => [
    ...defaultFeatures.filter((f) => f.key !== 'upload'),
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
