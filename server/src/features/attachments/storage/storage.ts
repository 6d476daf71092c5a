import type { Readable } from 'node:stream'

/** One stored object, as the orphan sweep sees it. */
export interface StoredObject {
  key: string
  size: number
  modifiedAt: Date
}

/** An inclusive byte range, as HTTP Range counts it. */
export interface ByteRange {
  start: number
  end: number
}

/**
 * Where attachment bytes live: local disk or an S3-compatible store. Keys are made by the server (never a
 * path or name from a request); an object appears whole under its key or not at all.
 */
export interface FileStorage {
  readonly kind: 'local' | 's3'
  /**
   * Streams `body` to `key`. When `body` errors (size limit, client gone) or `signal` aborts, nothing is
   * left under `key` and the partial bytes are removed; the promise rejects with the stream's error.
   */
  put(key: string, body: Readable, options: { contentType: string; signal?: AbortSignal }): Promise<void>
  /** The object's bytes, or `range` of them; NotStoredError when the key holds nothing. */
  read(key: string, range?: ByteRange): Promise<Readable>
  /** The object's size, or undefined when the key holds nothing. */
  size(key: string): Promise<number | undefined>
  /** Removes the object; a missing key is not an error. */
  delete(key: string): Promise<void>
  /** Every stored object, for the orphan sweep. */
  list(): AsyncIterable<StoredObject>
}

/** The store cannot be reached or refused to work for now (S3 down): 503 with Retry-After. */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError'
}

/** The store has no room (ENOSPC, EDQUOT). */
export class StorageFullError extends Error {
  override name = 'StorageFullError'
}

/** The key holds no object (the bytes are gone: a row the orphan sweep repairs). */
export class NotStoredError extends Error {
  override name = 'NotStoredError'
}

// Keys are generated (`att/<id>`, `thumb/<id>/<size>.webp`); anything else is a bug, refused before it can
// name a path outside the store.
const KEY = /^[a-z]+(?:\/[A-Za-z0-9_-]+)+(?:\.[a-z0-9]+)?$/

/** Throws unless `key` is a key the server makes: lower-case segments, no dots but one extension, no `..`. */
export function assertKey(key: string): void {
  if (!KEY.test(key) || key.length > 200) throw new Error(`not a storage key: ${JSON.stringify(key)}`)
}

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG'])

/** A disk's "no room" (ENOSPC, EDQUOT, EFBIG) as StorageFullError; any other error as it is. */
export function asFullDiskError(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code && FULL.has(code) ? new StorageFullError('The file store has no room left.', { cause: err }) : err
}

/**
 * A disk with no room is StorageFullError; a store that does not answer, or answers 5xx, is down for now
 * (StorageUnavailableError); anything else (403 wrong credentials, missing bucket) is a misconfiguration,
 * left to surface as a logged 500. Also for the errors of the resumable upload stores; here, beside the
 * drivers, so that using it loads no S3 client.
 */
export function asStorageError(err: unknown): unknown {
  const e = err as { code?: string; name?: string; $metadata?: { httpStatusCode?: number } }
  const full = asFullDiskError(err)
  if (full !== err) return full
  const status = e?.$metadata?.httpStatusCode
  const network = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']
  if (
    (status !== undefined && status >= 500) ||
    (e?.code && network.includes(e.code)) ||
    e?.name === 'TimeoutError' ||
    e?.name === 'RequestTimeout'
  ) {
    return new StorageUnavailableError('The file store did not answer.', { cause: err })
  }
  return err
}
