import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Payload } from 'payload'

import { bootPayload } from '../helpers/payload'

/**
 * Imported images are media docs with an external URL and no file. The admin draws an image (the
 * editor's upload node, the media list, the relationship drawers) only when the doc has an image
 * type, and showed a grey file icon for all of them.
 */
let payload: Payload

beforeAll(async () => {
  payload = await bootPayload()
})
afterAll(async () => {
  await payload?.destroy()
})

const external = async (externalUrl: string, data: Record<string, unknown> = {}) => {
  const created = await payload.create({
    collection: 'media',
    data: { externalUrl, alt: 'x', ...data },
    overrideAccess: true,
  })
  return payload.findByID({ collection: 'media', id: created.id, depth: 0, overrideAccess: true })
}

describe('an external image, as the admin reads it', () => {
  it('has an image type from its extension, so the editor shows the picture', async () => {
    const media = await external('https://img.example.com/2020/07/photo.PNG?w=600')
    expect(media.mimeType).toBe('image/png')
    expect(media.thumbnailURL).toBe('https://img.example.com/2020/07/photo.PNG?w=600')
    expect(media.url).toBe(media.thumbnailURL)
  })

  it('is a JPEG when its URL has no extension', async () => {
    const media = await external('https://img.example.com/image?id=42')
    expect(media.mimeType).toBe('image/jpeg')
  })

  it('keeps a type that was stored', async () => {
    const media = await external('https://img.example.com/anim', { mimeType: 'image/gif' })
    expect(media.mimeType).toBe('image/gif')
  })
})
