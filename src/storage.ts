import { cloudStoragePlugin } from '@payloadcms/plugin-cloud-storage'
import type { S3StorageOptions } from '@payloadcms/storage-s3'
import type { Plugin } from 'payload'

import { settings, type Settings } from './config'
import { MEDIA } from './lib/slugs'

/**
 * Where uploaded files live: local disk (`MEDIA_DIR`) by default, an S3 or S3-compatible bucket when
 * `S3_BUCKET` is set, so that every server of a deployment serves every upload.
 *
 * The plugin is always installed (disabled without a bucket) with `alwaysInsertFields`: it adds two
 * columns to `media` (`prefix`, `_object_key`), and a schema that depended on the environment would
 * need migrations per deployment. With a bucket, files are written to it and never to disk, and
 * `/api/media/file/:name` streams them from it through Payload, under the collection's read access.
 *
 * Without a bucket the plugin is not loaded at all: what it does when disabled (the cloud-storage
 * plugin, disabled, inserting the same fields) is done here, because `@payloadcms/storage-s3` loads
 * the AWS SDK on import (0.9 s of CPU and 60 MB in every process: each server, each import and
 * export run, each test file). With a bucket it is loaded when the config is built.
 */
export const mediaStorage = (env: Settings = settings()): Plugin => {
  const bucket = env.s3Bucket
  if (bucket && Boolean(env.s3AccessKeyId) !== Boolean(env.s3SecretAccessKey)) {
    throw new Error(
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS SDK’s own credentials (AWS_* variables, an instance role).',
    )
  }
  if (!bucket)
    return cloudStoragePlugin({
      alwaysInsertFields: true,
      enabled: false,
      collections: { [MEDIA]: { adapter: null } },
    })
  return async (config) => {
    const { s3Storage } = await import('@payloadcms/storage-s3')
    return s3Storage(s3Options(env, bucket))(config)
  }
}

const s3Options = (env: Settings, bucket: string): S3StorageOptions => ({
  enabled: true,
  alwaysInsertFields: true,
  bucket,
  collections: { [MEDIA]: true },
  config: {
    region: env.s3Region,
    endpoint: env.s3Endpoint,
    forcePathStyle: env.s3ForcePathStyle,
    credentials:
      env.s3AccessKeyId && env.s3SecretAccessKey
        ? { accessKeyId: env.s3AccessKeyId, secretAccessKey: env.s3SecretAccessKey }
        : undefined,
    // The SDK's default CRC32 request checksums (aws-chunked bodies) are refused by many
    // S3-compatible servers; AWS S3 accepts uploads without them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  },
})
