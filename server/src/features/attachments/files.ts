import { createWriteStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { type Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { FileStore } from '@tus/file-store'
import { type DataStore, ERRORS, isPathInsideDirectory, type Locker } from '@tus/utils'
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

/** The store of resumable uploads under way, and how an upload's id names it there. */
export interface UploadStore {
  /** @tus/file-store or @tus/s3-store; both can read a finished upload back. */
  datastore: DataStore & { read(id: string): Readable | Promise<Readable> }
  /** The upload's id in the store (`upl_…`, under the S3 prefix in a bucket). */
  keyOf(uploadId: string): string
  /** Removes every byte the upload left in the store; one already gone is no error. */
  remove(uploadId: string): Promise<void>
  /** The lock that lets one request at a time write or finish an upload. */
  locker: Locker
  /** The first `length` bytes stored for an unfinished upload, where the store can read them back. */
  readPrefix?(uploadId: string, length: number): Promise<Buffer>
}

const isGone = (err: unknown) => (err as { status_code?: number }).status_code === 404

/**
 * Where resumable (tus) uploads gather their bytes until they finish, beside the file store the settings
 * choose: @tus/file-store under `DATA_DIR/uploads` (outside `DATA_DIR/files`, so neither the orphan
 * sweep nor a backup sees half-sent files), or @tus/s3-store in the same bucket under `<S3_PREFIX>uploads/`,
 * as S3 multipart uploads. Either reports `Upload-Expires` from UPLOAD_EXPIRY_S.
 */
export async function createUploadStore(config: Config, locker: Locker): Promise<UploadStore> {
  const expirationPeriodInMilliseconds = config.UPLOAD_EXPIRY_S * 1000
  if (config.FILES_DRIVER === 's3') {
    // Loaded only for the S3 driver, as the file store's client is.
    const [{ DeleteObjectCommand, S3Client }, { S3Store }, { s3ClientConfig }] = await Promise.all([
      import('@aws-sdk/client-s3'),
      import('@tus/s3-store'),
      import('./storage/s3-storage.js'),
    ])
    const prefix = `${config.S3_PREFIX ?? ''}uploads/`
    const Bucket = config.S3_BUCKET as string
    const clientConfig = s3ClientConfig({
      bucket: Bucket,
      region: config.S3_REGION,
      endpoint: config.S3_ENDPOINT,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      timeoutMs: config.S3_TIMEOUT_MS,
    })
    const datastore = new S3Store({
      partSize: 8 * 1024 * 1024,
      expirationPeriodInMilliseconds,
      // Expiry is the sweep's (uploads.service.ts), from the database; tags would need a lifecycle rule.
      useTags: false,
      s3ClientConfig: { ...clientConfig, bucket: Bucket },
    })
    const client = new S3Client(clientConfig)
    const keyOf = (uploadId: string) => prefix + uploadId
    return {
      datastore,
      keyOf,
      locker,
      async remove(uploadId) {
        await datastore.remove(keyOf(uploadId)).catch((err: unknown) => {
          if (!isGone(err)) throw err
        })
        // The store's removal leaves the trailing part smaller than an S3 part (`<id>.part`) behind.
        await client.send(new DeleteObjectCommand({ Bucket, Key: `${keyOf(uploadId)}.part` }))
      },
    }
  }
  const datastore = new UploadFileStore({ directory: join(config.DATA_DIR, 'uploads'), expirationPeriodInMilliseconds })
  return {
    datastore,
    keyOf: (uploadId) => uploadId,
    locker,
    readPrefix: (uploadId, length) => datastore.readPrefix(uploadId, length),
    async remove(uploadId) {
      await datastore.remove(uploadId).catch((err: unknown) => {
        if (!isGone(err)) throw err
      })
    },
  }
}

/**
 * @tus/file-store, whose write says why it failed: the store's own answers every failure with one generic
 * FILE_WRITE_ERROR, which would turn a full disk (507) into a 500. What was written before the failure stays
 * (the upload's offset is its file's size), so the client resumes from there once there is room.
 */
class UploadFileStore extends FileStore {
  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const path = join(this.directory, id)
    if (!isPathInsideDirectory(this.directory, path)) throw ERRORS.FILE_NOT_FOUND
    let received = 0
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length
        done(null, chunk)
      },
    })
    // Node's file stream writes a chunk whole (retrying a short write), so a full disk fails with ENOSPC.
    await pipeline(readable, counted, createWriteStream(path, { flags: 'r+', start: offset }))
    return offset + received
  }

  /** Up to `length` bytes from the start of the upload's file (fewer when it holds fewer). */
  async readPrefix(id: string, length: number): Promise<Buffer> {
    const path = join(this.directory, id)
    if (!isPathInsideDirectory(this.directory, path)) throw ERRORS.FILE_NOT_FOUND
    const handle = await open(path, 'r')
    try {
      const buffer = Buffer.alloc(length)
      const { bytesRead } = await handle.read(buffer, 0, length, 0)
      return buffer.subarray(0, bytesRead)
    } finally {
      await handle.close()
    }
  }
}

/** Where an attachment's bytes and its thumbnails live: made from its id, never from anything sent. */
export const originalKey = (attachmentId: string) => `att/${attachmentId}`
export const thumbnailKey = (attachmentId: string, size: number) => `thumb/${attachmentId}/${size}.webp`
