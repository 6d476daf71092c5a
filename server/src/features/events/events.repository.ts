import { sql } from 'kysely'
import type { Queryable } from '../../db/database.js'

/**
 * Announces a change to every instance LISTENing on `channel` (PostgreSQL). Sent inside the writing
 * transaction, so PostgreSQL delivers it when, and only if, the change commits. The payload is the seq
 * alone: a few bytes, well under NOTIFY's 8000-byte limit whatever the change holds.
 */
export async function notifyChange(db: Queryable, channel: string, seq: number): Promise<void> {
  await sql`select pg_notify(${channel}, ${String(seq)})`.execute(db)
}
