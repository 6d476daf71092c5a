import { setMaxListeners } from 'node:events'
import type { Logger } from 'pino'
import type { Principal } from '../../core/principal.js'
import type { ChangeLog } from '../changes/change-log.js'
import { assertNotAhead } from '../changes/positions.js'
import type { ProjectsService } from '../projects/projects.service.js'
import type { ServiceDeps } from '../service-deps.js'
import type { ChangeSignal } from './change-signal.js'
import { openEventStream } from './event-stream.js'
import { createStreamHub } from './stream-hub.js'
import { createStreamSlots } from './stream-slots.js'
import { createTicker } from './ticker.js'

export interface StreamRequest {
  /** `Last-Event-ID`: wins over `since`. */
  lastEventId?: string
  since?: string
  projectId?: string
}

/**
 * How often a stream checks that its credentials were not revoked (in memory). With the revocation log
 * polled every REVOCATION_POLL_MS (500 ms by default), a revoked session's or API key's streams end within
 * about 0.75 s on every instance.
 */
const AUTH_CHECK_MS = 250

/** The event stream: where a client starts, and its stream of what it may see from there. */
export interface EventsDeps {
  changeLog: ChangeLog
  changeSignal: ChangeSignal
  /** Aborted when the server starts shutting down: open streams end themselves. */
  stopping: AbortSignal
  logger: Logger
  /** Whether a session or API key was revoked lately, in memory (see `AuthService.isRevoked`). */
  isRevoked(credentialId: string): boolean
}

export function createEventsService(
  { config, repositories }: ServiceDeps,
  { changeLog, changeSignal, stopping, logger, isRevoked }: EventsDeps,
  projects: ProjectsService,
) {
  const slots = createStreamSlots({
    perUser: config.EVENTS_MAX_STREAMS_PER_USER,
    perKey: config.EVENTS_MAX_STREAMS_PER_KEY,
    perInstance: config.EVENTS_MAX_STREAMS,
  })
  // Every open stream listens for the shutdown: as many listeners as streams are expected, not a leak.
  setMaxListeners(config.EVENTS_MAX_STREAMS + 10, stopping)
  // The streams' timers: one for heartbeats, one for credential checks, however many streams are open.
  const heartbeats = createTicker(config.EVENTS_HEARTBEAT_S * 1000)
  const authChecks = createTicker(AUTH_CHECK_MS)
  // One reader of the log for every stream of this instance (see createStreamHub).
  const hub = createStreamHub({
    source: {
      readAfter: (since, limit) => repositories.changes.readAfter(since, limit),
      readableSeq: () => repositories.changes.readableSeq(),
      views: (where) => repositories.memberships.views(where),
    },
    signal: changeSignal,
    logger,
    safetyMs: config.EVENTS_HEARTBEAT_S * 1000,
  })

  /** The seq to stream after: the client's position, or the newest change for a client without one. */
  async function startingPoint(request: StreamRequest): Promise<bigint> {
    const position = request.lastEventId ?? request.since
    if (position === undefined) return changeLog.readableSeq()
    assertNotAhead(
      position,
      await changeLog.latestSeq(),
      request.lastEventId === undefined
        ? { path: '/query/since', name: 'since' }
        : { path: '/header/Last-Event-ID', name: 'Last-Event-ID' },
    )
    // Not past the newest seq, so a 64-bit integer: kept as a bigint, never rounded through a number.
    const since = BigInt(position)
    await changeLog.assertRetained(since)
    return since
  }

  return {
    /** Event streams open on this instance now. */
    get openStreams() {
      return slots.open
    },

    /**
     * Checks a stream request and resolves where the stream starts (the seq it sends changes after):
     * 404 for a project the caller may not see, as every project operation answers; 410 past retention.
     */
    async start(principal: Principal, request: StreamRequest): Promise<bigint> {
      if (request.projectId) await projects.get(principal, request.projectId)
      return startingPoint(request)
    },

    /**
     * The caller's event stream from `since`. The principal re-checks its credentials while the stream is
     * open, which ends the stream with `auth_expired` once they expire or are revoked. Throws 429
     * `too_many_streams` past the caller's limit of open streams, 503 `streams_unavailable` past the
     * instance's (see `createStreamSlots`).
     */
    stream(principal: Principal, since: bigint, projectId?: string): ReadableStream<Uint8Array> {
      const release = slots.take(principal)
      const fullCheck = () => principal.recheck()
      // Only the credential's revocation (known in memory, from this instance or the revocation log that
      // every instance polls) is checked at every tick; the full check (an API key's expiry or a deleted
      // account; for an access token, verifying it again) runs once per heartbeat interval. An access
      // token's expiry has a timer of its own (see openEventStream). With thousands of streams open, a
      // signature check per stream four times a second would cost more than everything else they do.
      let lastFullCheck = Date.now()
      const credentialId = principal.apiKeyId ?? principal.sessionId
      const stillAuthorized = () => {
        if (credentialId !== undefined && isRevoked(credentialId)) return false
        if (Date.now() - lastFullCheck < config.EVENTS_HEARTBEAT_S * 1000) return true
        lastFullCheck = Date.now()
        return fullCheck()
      }
      return openEventStream(
        {
          source: changeLog,
          feed: hub,
          stopping,
          logger,
          heartbeats,
          retryMs: config.EVENTS_RETRY_MS,
          bufferBytes: config.EVENTS_BUFFER_BYTES,
          slowGraceMs: config.EVENTS_SLOW_CONSUMER_GRACE_MS,
          stillAuthorized,
          // Revocations are known in memory, so they are checked often.
          authChecks,
          onEnd: release,
        },
        principal,
        { since, ...(projectId ? { projectId } : {}) },
      )
    },
  }
}

export type EventsService = ReturnType<typeof createEventsService>
