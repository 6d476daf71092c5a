import type { Readable } from 'node:stream'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { asStorageError, assertKey, type FileStorage, NotStoredError, type StoredObject } from './storage.js'

export interface S3StorageOptions {
  bucket: string
  region: string
  endpoint?: string
  forcePathStyle: boolean
  accessKeyId?: string
  secretAccessKey?: string
  /** Prepended to every key, so one bucket can hold several deployments. */
  prefix?: string
  /** Longest wait to connect and for each request; past it the store counts as down. */
  timeoutMs: number
}

/**
 * The S3 client's configuration, apart so the signing setup (region, credentials, path style) can be
 * checked without a network: the test store (s3rver) accepts any signature.
 */
export function s3ClientConfig(options: S3StorageOptions): S3ClientConfig {
  return {
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.accessKeyId && options.secretAccessKey
      ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
      : {}),
    // One quick retry: a request that waits on a store that is down holds an upload open meanwhile.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: options.timeoutMs, requestTimeout: options.timeoutMs },
    // Checksums on every request body need a seekable body or a trailer the test store does not take.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  }
}

/**
 * Objects in an S3-compatible bucket. Uploads go through lib-storage's `Upload`, which sends a small body
 * as one PutObject and a large one as a multipart upload in 8 MiB parts, aborted (parts removed) if the
 * body fails: S3 then never shows a partial object under the key.
 */
export function createS3Storage(
  options: S3StorageOptions,
  client = new S3Client(s3ClientConfig(options)),
): FileStorage & {
  client: S3Client
} {
  const Bucket = options.bucket
  const prefix = options.prefix ?? ''
  const fullKey = (key: string) => {
    assertKey(key)
    return prefix + key
  }

  return {
    kind: 's3',
    client,

    async put(key, body, { contentType, signal }) {
      const upload = new Upload({
        client,
        params: { Bucket, Key: fullKey(key), Body: body, ContentType: contentType },
        partSize: 8 * 1024 * 1024,
        queueSize: 2,
        leavePartsOnError: false,
      })
      const onAbort = () => void upload.abort().catch(() => {})
      signal?.addEventListener('abort', onAbort, { once: true })
      // A body that errors (size limit, client gone) must fail the upload, not leave it waiting for data.
      let bodyError: unknown
      const failed = new Promise<never>((_, reject) =>
        body.once('error', (err) => {
          bodyError = err
          onAbort()
          reject(err)
        }),
      )
      failed.catch(() => {})
      try {
        await Promise.race([upload.done(), failed])
      } catch (err) {
        if (bodyError) throw bodyError
        throw asStorageError(err)
      } finally {
        signal?.removeEventListener('abort', onAbort)
      }
    },

    async read(key, range) {
      try {
        const out = await client.send(
          new GetObjectCommand({
            Bucket,
            Key: fullKey(key),
            ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          }),
        )
        return out.Body as Readable
      } catch (err) {
        if (isNotFound(err)) throw new NotStoredError(key)
        throw asStorageError(err)
      }
    },

    async size(key) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket, Key: fullKey(key) }))
        return out.ContentLength
      } catch (err) {
        if (isNotFound(err)) return undefined
        throw asStorageError(err)
      }
    },

    async delete(key) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket, Key: fullKey(key) }))
      } catch (err) {
        throw asStorageError(err)
      }
    },

    async *list(): AsyncIterable<StoredObject> {
      let ContinuationToken: string | undefined
      do {
        const page = await client
          .send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }))
          .catch((err: unknown) => {
            throw asStorageError(err)
          })
        for (const item of page.Contents ?? []) {
          if (!item.Key) continue
          yield {
            key: item.Key.slice(prefix.length),
            size: item.Size ?? 0,
            modifiedAt: item.LastModified ?? new Date(0),
          }
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined
      } while (ContinuationToken)
    },
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404
}
