import { sql } from 'kysely'
import type { Queryable } from '../../db/database.js'
import { assertTransaction } from '../../db/transaction.js'

/** The event stream's one statement of its own: telling other instances that changes were committed. */
export function eventsRepository(db: Queryable) {
  return {
    /**
     * Announces a change to every instance LISTENing on `channel` (PostgreSQL). Sent inside the writing
     * transaction, so PostgreSQL delivers it when, and only if, the change commits. The payload is the seq
     * alone: a few bytes, well under NOTIFY's 8000-byte limit whatever the change holds.
     */
    async notifyChange(channel: string, seq: bigint): Promise<void> {
      assertTransaction(db)
      await sql`select pg_notify(${channel}, ${String(seq)})`.execute(db)
    },
  }
}
