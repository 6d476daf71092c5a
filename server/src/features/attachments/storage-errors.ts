import { ApiError } from '../../core/api-error.js'
import { StorageFullError, StorageUnavailableError } from './storage/storage.js'

/** Seconds a client should wait before retrying while the file store does not answer. */
const RETRY_AFTER_S = 5

/**
 * The store's failures as the API answers them: a store that does not answer is an outage (503
 * `storage_unavailable` with Retry-After), a full disk is 507 `insufficient_storage`; anything else is
 * passed on (a bug or a misconfiguration, answered 500 and logged).
 */
export function asApiError(err: unknown): unknown {
  if (err instanceof StorageUnavailableError) {
    return new ApiError(503, 'storage_unavailable', 'The file store did not answer; retry shortly.', {
      title: 'Service unavailable',
      headers: { 'Retry-After': String(RETRY_AFTER_S) },
      cause: err,
    })
  }
  if (err instanceof StorageFullError) {
    return new ApiError(507, 'insufficient_storage', 'The file store has no room left.', {
      title: 'Insufficient storage',
      cause: err,
    })
  }
  return err
}
