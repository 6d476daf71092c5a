import { sql } from 'kysely'
import type { Logger } from 'pino'
import type { Db } from './database.js'
import { changesChannel } from './listener.js'

/**
 * Tells other instances on the same PostgreSQL database that writes of this one committed (NOTIFY on
 * `changesChannel`, payload a seq), so their event streams look at the log (see the change signal's
 * listener). Nothing to do on SQLite.
 */
export interface ChangeAnnouncer {
  /** After a write committed: its first seq. */
  committed(firstSeq: bigint): void
  /** Waits for the announcement on its way, if any. */
  idle(): Promise<void>
}

/**
 * Sent after the commit, on a pooled connection of its own, at most one at a time: writes that commit
 * while one is on its way are announced together by the next, with the greatest first seq among them (a
 * listener that finds that seq readable has every change of those writes readable too, as a seq is read
 * only once every older write has ended). Why not NOTIFY inside the write, where it is delivered exactly
 * on commit: PostgreSQL serialises the commits of all notifying transactions of a database on one lock,
 * held through the commit's WAL flush, so every write of every instance would wait in one line and
 * never share a flush. The price: a process that dies between a commit and its announcement leaves other
 * instances' streams to find those changes at their next heartbeat, which they do anyway for a lost
 * notification; no change is lost or reordered, as streams read the log itself.
 *
 * @example
 * const announcer = createChangeAnnouncer(db, logger)
 * announcer.committed(firstSeq) // after the write's commit
 */
export function createChangeAnnouncer(db: Db, logger: Logger): ChangeAnnouncer {
  if (db.options.dialect !== 'postgres') return { committed() {}, idle: async () => {} }
  const channel = changesChannel(db.options)
  let sending: Promise<void> | undefined
  let pending: bigint | undefined

  const send = (seq: bigint): Promise<void> =>
    sql`select pg_notify(${channel}, ${String(seq)})`
      .execute(db.kysely)
      .then(
        () => {},
        (err: unknown) => logger.warn({ err }, 'announcing changes to other instances failed'),
      )
      .then(() => {
        const next = pending
        pending = undefined
        sending = next === undefined ? undefined : send(next)
        return sending
      })

  return {
    committed(firstSeq) {
      if (sending) {
        if (pending === undefined || firstSeq > pending) pending = firstSeq
        return
      }
      sending = send(firstSeq)
    },
    async idle() {
      while (sending) await sending
    },
  }
}
