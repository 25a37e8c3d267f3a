import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import sharp from 'sharp'

import { createUser } from '../helpers/payload'
import { startTestS3, type TestS3 } from '../helpers/s3'
import { login, startTestServer } from '../helpers/server'
import type { RunningServer } from '../../src/server'

/**
 * Media on S3-compatible storage (`S3_BUCKET`): an upload through the REST API is written to the
 * bucket and not to the local disk, any reader gets it back through the server, and deleting the
 * media doc deletes the object. Against a local S3-compatible server this test starts (s3rver).
 */
let s3: TestS3
let server: RunningServer
let editor: string
const mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'media-s3-disk-'))

beforeAll(async () => {
  s3 = await startTestS3()
  Object.assign(process.env, s3.env, { MEDIA_DIR: mediaDir })
  server = await startTestServer()
  const user = await createUser(server.payload, 'editor')
  editor = await login(server.url, user.email, 'correct horse battery staple')
})

afterAll(async () => {
  await server?.close()
  await s3?.close()
  fs.rmSync(mediaDir, { recursive: true, force: true })
})

const upload = async (name: string, bytes: Buffer) => {
  const form = new FormData()
  form.set('_payload', JSON.stringify({ alt: name }))
  form.set('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), name)
  const res = await fetch(`${server.url}/api/media`, {
    method: 'POST',
    headers: { authorization: editor },
    body: form,
  })
  expect(res.status).toBe(201)
  return ((await res.json()) as { doc: { id: number; filename: string; url: string } }).doc
}

describe('media on S3-compatible storage', () => {
  it('stores an upload in the bucket, not on the local disk, and serves it to a reader', async () => {
    const png = await sharp({
      create: { width: 4, height: 3, channels: 3, background: '#c0ffee' },
    })
      .png()
      .toBuffer()
    const doc = await upload('front-page.png', png)

    expect(await s3.keys()).toContain(doc.filename)
    expect((await s3.read(doc.filename)).equals(png)).toBe(true)
    // The disk stays empty: another server could not have served a file kept there.
    expect(fs.existsSync(mediaDir) ? fs.readdirSync(mediaDir) : []).toEqual([])

    // An anonymous reader, through the server (the URL Payload hands out).
    const read = await fetch(`${server.url}/api/media/${doc.id}`)
    const { url, width, height } = (await read.json()) as {
      url: string
      width: number
      height: number
    }
    expect({ width, height }).toEqual({ width: 4, height: 3 })
    const file = await fetch(new URL(url, server.url))
    expect(file.status).toBe(200)
    expect(file.headers.get('content-type')).toBe('image/png')
    expect(Buffer.from(await file.arrayBuffer()).equals(png)).toBe(true)
  })

  it('deletes the object from the bucket with the media doc', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } })
      .png()
      .toBuffer()
    const doc = await upload('to-delete.png', png)
    expect(await s3.has(doc.filename)).toBe(true)

    const res = await fetch(`${server.url}/api/media/${doc.id}`, {
      method: 'DELETE',
      headers: { authorization: editor },
    })
    expect(res.status).toBe(200)
    expect(await s3.has(doc.filename)).toBe(false)
    expect((await fetch(`${server.url}/api/media/file/${doc.filename}`)).status).toBe(404)
  })
})
