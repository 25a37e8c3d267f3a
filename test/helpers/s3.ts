import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3 } from '@aws-sdk/client-s3'
import S3rver from 's3rver'

/** s3rver's fixed credentials: it checks every request's signature against them. */
const ACCESS_KEY = 'S3RVER'

export type TestS3 = {
  endpoint: string
  bucket: string
  /** The environment that points a server at this bucket. */
  env: Record<string, string>
  /** The keys in the bucket. */
  keys: () => Promise<string[]>
  /** An object's bytes, read back through the S3 API. */
  read: (key: string) => Promise<Buffer>
  /** Whether the bucket holds `key`. */
  has: (key: string) => Promise<boolean>
  close: () => Promise<void>
}

/**
 * A local S3-compatible server (s3rver, on a temporary folder) with one bucket, started by the test
 * itself on `address` and a free port; nothing leaves this machine.
 */
export const startTestS3 = async (
  address = '127.0.0.1',
  bucket = 'newsroom-media',
): Promise<TestS3> => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'))
  const server = new S3rver({
    address,
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  })
  const { port } = await server.run()
  const endpoint = `http://${address}:${port}`
  const client = new S3({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
  return {
    endpoint,
    bucket,
    env: {
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: ACCESS_KEY,
      S3_SECRET_ACCESS_KEY: ACCESS_KEY,
      S3_FORCE_PATH_STYLE: 'true',
    },
    keys: async () => {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }))
      return (listed.Contents ?? []).map((o) => o.Key!).sort()
    },
    read: async (key) => {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      return Buffer.from(await got.Body!.transformToByteArray())
    },
    has: async (key) => {
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
        return true
      } catch (err) {
        if ((err as { name?: string }).name === 'NotFound') return false
        throw err
      }
    },
    close: async () => {
      client.destroy()
      await server.close()
      fs.rmSync(directory, { recursive: true, force: true })
    },
  }
}
