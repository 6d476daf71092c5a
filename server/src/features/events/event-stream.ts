import type { Logger } from 'pino'
import type { Principal } from '../../core/principal.js'
import type { HubChange, HubJoin, HubMember } from './stream-hub.js'
import type { Ticker } from './ticker.js'

/** A change as the API shows it (schema `Change`); only the fields the stream itself looks at are typed. */
export interface StreamedChange {
  seq: string
  type: string
  projectId: string | null
  resourceId: string
}

/** The reads a stream makes: what the caller may see now, after a seq. */
export interface StreamSource {
  readVisible(
    principal: Principal,
    options: { since: bigint; projectId?: string; limit: number; through?: bigint },
  ): Promise<readonly StreamedChange[]>
}

/** The instance's stream hub (see `createStreamHub`): hands a joined stream each new change it may see. */
export interface StreamFeed {
  join(member: HubMember): Promise<HubJoin>
}

export interface EventStreamOptions {
  source: StreamSource
  feed: StreamFeed
  /** Aborted when the server begins shutting down. */
  stopping: AbortSignal
  logger: Logger
  /** Ticks every heartbeat interval (shared by the instance's streams). */
  heartbeats: Ticker
  retryMs: number
  /** Bytes queued for the client before it counts as too slow. */
  bufferBytes: number
  /** How long a full queue may stay full before its reader counts as too slow; 2 s unless given. */
  slowGraceMs?: number
  /**
   * Checks that the caller's credentials still hold (not expired, session not revoked, key not revoked);
   * false (or a promise of false) when they do not.
   */
  stillAuthorized(): boolean | Promise<boolean>
  /** Ticks whenever `stillAuthorized` is to be asked (shared by the instance's streams). */
  authChecks: Ticker
  /** Called once when the stream ends, however it ends (to give back its slot, see `createStreamSlots`). */
  onEnd?: () => void
}

export interface StreamPosition {
  /** Send the changes after this seq (64-bit: may exceed 2^53). */
  since: bigint
  projectId?: string
}

/** Changes read from the log at a time: the most a stream holds in memory besides its queue. */
const BATCH = 100
/** Changes handed over by the hub and not yet sent, at most; past it the stream catches up from the log. */
const PENDING = 1_000
const SLOW_GRACE_MS = 2_000
/** How long a client told to reconnect has to read what is queued before the connection is cut. */
const CLOSE_GRACE_MS = 5_000

const encoder = new TextEncoder()

/**
 * One client's event stream as the bytes of a `text/event-stream` body. The queue of unsent bytes is
 * bounded (`bufferBytes`); the server writes it to the socket only as fast as the client reads, so a client
 * that stops reading fills it, is sent `reconnect` (`slow_consumer`) with its position and is closed, and
 * memory stays flat however many changes happen meanwhile.
 *
 * @example
 * return new Response(openEventStream(options, principal, { since: 42n }), { headers: { 'content-type': 'text/event-stream' } })
 */
export function openEventStream(
  options: EventStreamOptions,
  principal: Principal,
  position: StreamPosition,
): ReadableStream<Uint8Array> {
  const { source, logger } = options
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let lastSent = position.since
  let ended = false
  /** The client went away (or the body was cancelled): nothing more may be queued. */
  let cancelled = false
  let pumping = false
  let again = false
  let roomWaiter: (() => void) | undefined
  const revokedProjects = new Set<string>()
  const timers: NodeJS.Timeout[] = []
  const stopTicks: (() => void)[] = []
  let leaveFeed: (() => void) | undefined

  const cleanUp = () => {
    if (!ended) options.onEnd?.()
    ended = true
    for (const timer of timers) clearTimeout(timer)
    for (const stop of stopTicks) stop()
    leaveFeed?.()
    options.stopping.removeEventListener('abort', onStopping)
    roomWaiter?.()
  }

  const send = (text: string) => controller.enqueue(encoder.encode(text))
  const frame = (event: string, data: unknown, id?: string) =>
    `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`

  /** Sends a last event and ends the stream once the client has read it (or cuts it off if it does not). */
  const finish = (event: string, data: unknown) => {
    if (ended) return
    cleanUp()
    send(frame(event, data))
    void (async () => {
      const deadline = Date.now() + CLOSE_GRACE_MS
      const unread = () => !cancelled && (controller.desiredSize ?? 0) < options.bufferBytes
      while (unread() && Date.now() < deadline) await waitForRoom(deadline - Date.now())
      if (cancelled) return
      if (unread()) {
        controller.error(new Error('event stream reader stopped reading'))
      } else {
        controller.close()
      }
    })()
  }

  const waitForRoom = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        if (roomWaiter === done) roomWaiter = undefined
        resolve()
      }
      roomWaiter = done
    })

  /**
   * Whether the queue has room: `now`, `later` (the client read within the grace period), or `never`
   * (it did not, or the stream ended meanwhile).
   */
  const room = async (): Promise<'now' | 'later' | 'never'> => {
    if ((controller.desiredSize ?? 0) > 0) return 'now'
    await waitForRoom(options.slowGraceMs ?? SLOW_GRACE_MS)
    return !ended && (controller.desiredSize ?? 0) > 0 ? 'later' : 'never'
  }

  const lostAccess = (change: StreamedChange): string | undefined => {
    if (!change.projectId) return undefined
    if (change.type === 'project.deleted') return change.projectId
    if (change.type === 'member.removed' && change.resourceId === principal.userId) return change.projectId
    return undefined
  }

  /**
   * Where the stream's changes come from: the log while it catches up (`fromLog`), then what the hub hands
   * over (`pending`). The hub hands a joined stream every change after its position at joining (`finalThrough`)
   * that the stream may see; the log is final through that position, so the stream reads the log up to it
   * (no horizon to look up), then sends the hub's changes, skipping any it already sent. A stream whose
   * pending changes overflow (it is not reading), or that had to wait for room, drops them and reads the log
   * again up to the last change handed over: that keeps its memory bounded and decides what it may see at
   * delivery. So does a stream whose user was just added to a project (`resync`).
   */
  let fromLog = true
  let pending: HubChange[] = []
  let pendingBytes = 0
  /** The log is final through this seq, and every change after it that the stream may see is pending or will be. */
  let finalThrough = 0n
  /** The seq of the last change the hub handed over (or the join position). */
  let lastHanded = 0n
  let joined = false

  const dropPending = () => {
    pending = []
    pendingBytes = 0
    finalThrough = lastHanded
    fromLog = true
  }

  const member: HubMember = {
    userId: principal.userId,
    ...(position.projectId ? { projectId: position.projectId } : {}),
    deliver(change) {
      if (ended) return
      lastHanded = change.seq
      pending.push(change)
      pendingBytes += change.bytes.byteLength
      if (pending.length > PENDING || pendingBytes > options.bufferBytes) dropPending()
      void pump()
    },
    resync(through) {
      if (ended) return
      if (through > lastHanded) lastHanded = through
      dropPending()
      void pump()
    },
  }

  /** Sends a change and what it says about the caller's access. */
  const deliver = (change: StreamedChange, bytes?: Uint8Array) => {
    if (bytes) controller.enqueue(bytes)
    else send(frame(change.type, change, change.seq))
    lastSent = BigInt(change.seq)
    // Added back after a removal: a later removal is news again.
    if (change.type === 'member.added' && change.resourceId === principal.userId && change.projectId) {
      revokedProjects.delete(change.projectId)
    }
    const lost = lostAccess(change)
    if (lost && !revokedProjects.has(lost)) {
      revokedProjects.add(lost)
      send(frame('access_revoked', { projectId: lost }))
    }
  }

  /**
   * Sends what the log holds after `lastSent` through `finalThrough`, then switches to the hub's changes;
   * false when the stream ended instead.
   */
  const catchUp = async (): Promise<boolean> => {
    for (;;) {
      const through = finalThrough
      const batch =
        lastSent >= through
          ? []
          : await source.readVisible(principal, {
              since: lastSent,
              limit: BATCH,
              through,
              ...(position.projectId ? { projectId: position.projectId } : {}),
            })
      let waited = false
      for (const change of batch) {
        if (ended) return false
        const hasRoom = await room()
        if (hasRoom === 'never') {
          if (!ended) finish('reconnect', { reason: 'slow_consumer', since: String(lastSent) })
          return false
        }
        // Visibility is decided at delivery: after a wait, what is left of the batch is read again.
        if (hasRoom === 'later') {
          waited = true
          break
        }
        deliver(change)
      }
      if (ended) return false
      // Switched over in the same synchronous step as the check: a drop (which moves `finalThrough`) can
      // only come after it.
      if (!waited && batch.length < BATCH && finalThrough === through) {
        fromLog = false
        return true
      }
    }
  }

  /** Sends the changes the hub handed over. */
  const sendPending = async () => {
    while (pending.length > 0 && !fromLog && !ended) {
      const change = pending[0] as HubChange
      if (change.seq <= lastSent) {
        pending.shift()
        pendingBytes -= change.bytes.byteLength
        continue
      }
      const hasRoom = await room()
      if (hasRoom === 'never') {
        if (!ended) finish('reconnect', { reason: 'slow_consumer', since: String(lastSent) })
        return
      }
      // Waited: what it may see is decided now, so read the log from where it is.
      if (hasRoom === 'later') {
        dropPending()
        return
      }
      if (fromLog || pending[0] !== change) return
      pending.shift()
      pendingBytes -= change.bytes.byteLength
      deliver(change.change, change.bytes)
    }
  }

  const pump = async () => {
    if (ended || !joined) return
    if (pumping) {
      again = true
      return
    }
    pumping = true
    try {
      do {
        again = false
        if (fromLog && !(await catchUp())) return
        await sendPending()
      } while ((again || fromLog) && !ended)
    } catch (err) {
      // The next hand-over or heartbeat reads again from the same position, so nothing is skipped.
      logger.warn({ err }, 'reading changes for an event stream failed')
    } finally {
      pumping = false
    }
  }

  let joining = false
  /** Joins the hub, then catches up from the log; tried again at the next heartbeat if it fails. */
  const joinFeed = () => {
    if (joined || joining || ended) return
    joining = true
    options.feed.join(member).then(
      ({ position: at, leave }) => {
        joining = false
        if (ended) {
          leave()
          return
        }
        leaveFeed = leave
        finalThrough = at
        lastHanded = at
        joined = true
        void pump()
      },
      (err: unknown) => {
        joining = false
        logger.warn({ err }, 'joining the event stream hub failed')
      },
    )
  }

  const authFailed = (err: unknown) => logger.warn({ err }, 'checking event stream credentials failed')
  const checkAuth = () => {
    if (ended) return
    let ok: boolean | Promise<boolean>
    try {
      ok = options.stillAuthorized()
    } catch (err) {
      authFailed(err)
      return
    }
    // Mostly answered in memory at once: no promise for each of thousands of streams at every tick.
    if (ok === false) finish('auth_expired', {})
    else if (ok !== true) ok.then((still) => still || finish('auth_expired', {}), authFailed)
  }

  function onStopping() {
    finish('reconnect', { reason: 'shutdown', since: String(lastSent) })
  }

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
        // The first bytes go out at once, so the client (and any proxy) sees the stream is open.
        send(`retry: ${options.retryMs}\n\n`)
        // The client's position before any change arrives: one that started without a position would
        // otherwise reconnect at "now" again and miss what was committed while it was away. A real event,
        // as parsers (eventsource-parser) drop an id-only block.
        send(frame('ready', { since: String(position.since) }, String(position.since)))
        if (options.stopping.aborted) {
          onStopping()
          return
        }
        options.stopping.addEventListener('abort', onStopping)
        joinFeed()
        stopTicks.push(
          options.heartbeats.add(() => {
            if ((controller.desiredSize ?? 0) > 0) send(': heartbeat\n\n')
            // Also a safety net: a failed read or join is tried again after one interval.
            joinFeed()
            void pump()
          }),
          options.authChecks.add(checkAuth),
        )
        if (principal.expiresAt !== undefined) {
          // setTimeout fires at once for delays beyond 2^31 ms (~24.8 days); the periodic check covers those.
          const delay = principal.expiresAt - Date.now()
          if (delay < 2 ** 31) timers.push(setTimeout(() => finish('auth_expired', {}), Math.max(0, delay)))
        }
        for (const timer of timers) timer.unref()
        void pump()
      },
      pull() {
        roomWaiter?.()
      },
      cancel() {
        cancelled = true
        cleanUp()
      },
    },
    { highWaterMark: options.bufferBytes, size: (chunk) => chunk.byteLength },
  )
}
