import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { Db } from '../../db/database.js'
import { changesChannel, listenForNotifications, type NotificationListener } from '../../db/listener.js'

/**
 * Tells open event streams that changes may have been committed, by this instance or by any other sharing
 * the database, so each re-reads the log from where it is. Carries no change itself: every stream reads
 * what its caller may see from the database.
 */
export interface ChangeSignal {
  /** Calls `wake` whenever new changes may exist; returns the function that stops it. */
  subscribe(wake: () => void): () => void
  /** After a write of this instance committed: wakes the streams here once its changes are readable. */
  committed(lastSeq: bigint): void
  close(): Promise<void>
}

export interface ChangeSignalOptions {
  db: Db
  /**
   * The newest seq a reader may read up to (what polling compares with): on PostgreSQL, below the changes
   * of write transactions that have not all ended (see `ChangeLog.readableSeq`).
   */
  readableSeq(): Promise<bigint>
  logger: Logger
  /** SQLite: how often to look for changes written by other processes while streams are open. */
  pollMs: number
  /** PostgreSQL: how long connecting the LISTEN connection may take. */
  connectTimeoutMs?: number
  /**
   * PostgreSQL: how often to look again while a change announced as committed is not yet readable (an
   * older write is still open), so that streams are woken when it becomes readable and not at the next
   * heartbeat. 20 ms unless given.
   */
  settleMs?: number
}

/**
 * Writes on this instance wake streams in process (`committed`). Other instances' writes arrive through
 * PostgreSQL LISTEN/NOTIFY, whose payload is only a seq (far below NOTIFY's 8000-byte limit); the NOTIFY is
 * sent after the writes commit (`db/change-announcer.ts`), and streams are woken once the announced changes
 * are also readable (no older write still open). SQLite has no notifications:
 * while streams are open, the latest seq is polled every `pollMs`, which is what lets two processes on one
 * SQLite file fan out too.
 *
 * @example
 * const signal = createChangeSignal({ db, readableSeq: () => log.readableSeq(), logger, pollMs: 250 })
 * const stop = signal.subscribe(() => readMore())
 */
export function createChangeSignal({
  db,
  readableSeq,
  logger,
  pollMs,
  connectTimeoutMs,
  settleMs = 20,
}: ChangeSignalOptions): ChangeSignal {
  const wakers = new Set<() => void>()
  let known = 0n
  const wakeAll = () => {
    for (const wake of wakers) wake()
  }

  // PostgreSQL: a committed change is readable only once every older write transaction has ended (see
  // `changesRepository`). So streams are woken when what is readable grows, not when a commit is
  // announced: looked up at once, and again every `settleMs` while an older write keeps an announced change
  // back. One lookup serves any number of announcements that arrive meanwhile.
  let woken = 0n
  let settling = false
  let recheck = false
  const settle = async () => {
    recheck = true
    if (settling) return
    settling = true
    try {
      while (wakers.size > 0) {
        recheck = false
        const readable = await readableSeq()
        if (readable > woken) {
          woken = readable
          wakeAll()
        }
        if (readable < known) await sleep(settleMs)
        else if (!recheck) return
      }
    } catch (err) {
      logger.warn({ err }, 'looking for readable changes failed')
      // The streams read the truth from the log themselves.
      wakeAll()
    } finally {
      settling = false
    }
  }
  /** Changes up to `seq` were committed (SQLite: and are readable). */
  const saw = (seq: bigint) => {
    if (seq > known) known = seq
    if (db.options.dialect === 'postgres') void settle()
    else wakeAll()
  }

  let listener: NotificationListener | undefined
  let poller: NodeJS.Timeout | undefined
  let polling = false
  const channel = changesChannel(db.options)

  const poll = async () => {
    if (polling) return
    polling = true
    try {
      const latest = await readableSeq()
      if (latest > known) {
        known = latest
        wakeAll()
      }
    } catch (err) {
      logger.warn({ err }, 'looking for new changes failed')
    } finally {
      polling = false
    }
  }

  const start = () => {
    if (db.options.dialect === 'postgres') {
      listener ??= listenForNotifications(
        db.options,
        channel,
        {
          notify: (payload) => {
            // Another database's writers can share the channel only through misconfiguration; a payload
            // that is not a seq still just wakes the streams, which read the truth from the log.
            if (/^[0-9]{1,19}$/.test(payload)) saw(BigInt(payload))
            else wakeAll()
          },
          connected: wakeAll,
        },
        logger,
        connectTimeoutMs,
      )
    } else if (!poller) {
      void readableSeq().then(
        (seq) => {
          if (seq > known) known = seq
        },
        () => {},
      )
      poller = setInterval(poll, pollMs)
      poller.unref()
    }
  }
  const stopPolling = () => {
    clearInterval(poller)
    poller = undefined
  }

  return {
    subscribe(wake) {
      wakers.add(wake)
      start()
      return () => {
        wakers.delete(wake)
        if (wakers.size === 0) stopPolling()
      }
    },
    committed(lastSeq) {
      saw(lastSeq)
    },
    async close() {
      wakers.clear()
      stopPolling()
      await listener?.close()
      listener = undefined
    },
  }
}
