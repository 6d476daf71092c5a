import { join } from 'node:path'
import type { Config } from '../../config.js'
import { createLocalStorage } from './storage/local-storage.js'
import type { FileStorage } from './storage/storage.js'

/**
 * The file store the settings choose: local disk under `DATA_DIR/files` (default) or an S3 bucket. The S3
 * client (a large part of the built server) is loaded only when it is the one chosen.
 */
export async function createFileStorage(config: Config): Promise<FileStorage> {
  if (config.FILES_DRIVER === 's3') {
    const { createS3Storage } = await import('./storage/s3-storage.js')
    return createS3Storage({
      bucket: config.S3_BUCKET as string,
      region: config.S3_REGION,
      endpoint: config.S3_ENDPOINT,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      prefix: config.S3_PREFIX,
      timeoutMs: config.S3_TIMEOUT_MS,
    })
  }
  return createLocalStorage(join(config.DATA_DIR, 'files'))
}

/** Where an attachment's bytes and its thumbnails live: made from its id, never from anything sent. */
export const originalKey = (attachmentId: string) => `att/${attachmentId}`
export const thumbnailKey = (attachmentId: string, size: number) => `thumb/${attachmentId}/${size}.webp`
