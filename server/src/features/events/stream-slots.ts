import { ApiError } from '../../core/api-error.js'
import type { Principal } from '../../core/principal.js'

export interface StreamLimits {
  /** Open streams one user may hold on this instance, over all their sessions and API keys. */
  perUser: number
  /** Open streams one API key may hold on this instance. */
  perKey: number
  /** Open streams this instance serves at once. */
  perInstance: number
}

/**
 * How long a refused client waits before trying again: a slot frees when another stream of the same
 * user, key or instance ends, which the server cannot predict, so a few seconds.
 */
const RETRY_AFTER_S = 5

/**
 * Counts the event streams open on this instance, per user, per API key and in all, and refuses one past
 * a limit: 429 `too_many_streams` for a user or key (its own streams are the ones to close), 503
 * `streams_unavailable` for the instance (another instance may have room), both with `Retry-After`.
 * Each stream holds its slots from `take` until the function `take` returned is called (at most once
 * counts).
 *
 * @example
 * const release = slots.take(principal) // throws ApiError past a limit
 * stream.onEnd(release)
 */
export function createStreamSlots(limits: StreamLimits) {
  const byUser = new Map<string, number>()
  const byKey = new Map<string, number>()
  let open = 0

  const add = (counts: Map<string, number>, id: string, by: number) => {
    const n = (counts.get(id) ?? 0) + by
    if (n > 0) counts.set(id, n)
    else counts.delete(id)
  }

  return {
    take(principal: Principal): () => void {
      const keyId = principal.apiKeyId
      if (keyId !== undefined && (byKey.get(keyId) ?? 0) >= limits.perKey) {
        throw new ApiError(
          429,
          'too_many_streams',
          `This API key has ${limits.perKey} event streams open on this server, the most it may; close one before opening another.`,
          { headers: { 'Retry-After': String(RETRY_AFTER_S) } },
        )
      }
      if ((byUser.get(principal.userId) ?? 0) >= limits.perUser) {
        throw new ApiError(
          429,
          'too_many_streams',
          `This account has ${limits.perUser} event streams open on this server, the most it may; close one before opening another.`,
          { headers: { 'Retry-After': String(RETRY_AFTER_S) } },
        )
      }
      if (open >= limits.perInstance) {
        throw new ApiError(
          503,
          'streams_unavailable',
          'This server holds as many event streams as it may; retry shortly (another server may have room).',
          { headers: { 'Retry-After': String(RETRY_AFTER_S) } },
        )
      }
      open++
      add(byUser, principal.userId, 1)
      if (keyId !== undefined) add(byKey, keyId, 1)
      let released = false
      return () => {
        if (released) return
        released = true
        open--
        add(byUser, principal.userId, -1)
        if (keyId !== undefined) add(byKey, keyId, -1)
      }
    },

    /** Streams open now on this instance. */
    get open() {
      return open
    },
  }
}
