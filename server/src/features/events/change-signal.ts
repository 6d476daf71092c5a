import type { Logger } from 'pino'
import type { Db } from '../../db/database.js'
import { changesChannel, listenForNotifications, type NotificationListener } from '../../db/listener.js'
import type { WriteTx } from '../../write/writer.js'

/**
 * Tells open event streams that changes may have been committed, by this instance or by any other sharing
 * the database, so each re-reads the log from where it is. Carries no change itself: every stream reads
 * what its caller may see from the database.
 */
export interface ChangeSignal {
  /** Calls `wake` whenever new changes may exist; returns the function that stops it. */
  subscribe(wake: () => void): () => void
  /**
   * Inside a write, once per write: tells other instances (PostgreSQL NOTIFY, delivered on commit) that
   * changes from `seq` on are coming. Nothing to do on SQLite, where other processes poll.
   */
  announce(tx: WriteTx, seq: number): Promise<void>
  /** After a write of this instance committed: wakes the streams here at once. */
  committed(lastSeq: number): void
  close(): Promise<void>
}

export interface ChangeSignalOptions {
  db: Db
  /** The newest seq in the log (what polling compares with). */
  latestSeq(): Promise<number>
  logger: Logger
  /** SQLite: how often to look for changes written by other processes while streams are open. */
  pollMs: number
  /** PostgreSQL: how long connecting the LISTEN connection may take. */
  connectTimeoutMs?: number
}

/**
 * Writes on this instance wake streams in process (`committed`). Other instances' writes arrive through
 * PostgreSQL LISTEN/NOTIFY, whose payload is only the seq (far below NOTIFY's 8000-byte limit); NOTIFY is
 * sent inside the writing transaction (once per write), so it is delivered exactly when the changes become
 * visible. SQLite
 * has no notifications: while streams are open, the latest seq is polled every `pollMs`, which is what lets
 * two processes on one SQLite file fan out too.
 *
 * @example
 * const signal = createChangeSignal({ db, latestSeq: () => latestSeq(), logger, pollMs: 250 })
 * const stop = signal.subscribe(() => readMore())
 */
export function createChangeSignal({
  db,
  latestSeq,
  logger,
  pollMs,
  connectTimeoutMs,
}: ChangeSignalOptions): ChangeSignal {
  const wakers = new Set<() => void>()
  let known = 0
  const wakeAll = () => {
    for (const wake of wakers) wake()
  }
  const saw = (seq: number) => {
    if (seq > known) known = seq
  }

  let listener: NotificationListener | undefined
  let poller: NodeJS.Timeout | undefined
  let polling = false
  const channel = changesChannel(db.options)
  // One NOTIFY per write, with its first seq: its changes commit together, and a woken stream reads them all.
  const announced = new WeakSet<WriteTx>()

  const poll = async () => {
    if (polling) return
    polling = true
    try {
      const latest = await latestSeq()
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
            const seq = Number(payload)
            if (Number.isSafeInteger(seq)) saw(seq)
            wakeAll()
          },
          connected: wakeAll,
        },
        logger,
        connectTimeoutMs,
      )
    } else if (!poller) {
      void latestSeq().then(saw, () => {})
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
    async announce(tx, seq) {
      if (db.options.dialect !== 'postgres' || announced.has(tx)) return
      announced.add(tx)
      await tx.events.notifyChange(channel, seq)
    },
    committed(lastSeq) {
      saw(lastSeq)
      wakeAll()
    },
    async close() {
      wakers.clear()
      stopPolling()
      await listener?.close()
      listener = undefined
    },
  }
}
