import { sql } from 'kysely'
import type { Queryable } from './database.js'

/**
 * Refuses a write made outside a transaction. Every writing repository method calls it first, so a write
 * that bypasses the write seam (`ctx.writer.write`) fails loudly in tests instead of committing half of
 * what it meant to (the Bluesky PDS's `assertTransaction()` does the same). Reads need no transaction.
 */
export function assertTransaction(db: Queryable): void {
  if (!db.isTransaction) {
    throw new Error('A repository write ran outside a transaction; writes go through ctx.writer.write().')
  }
}

/**
 * One write's part of a transaction that several writes share (SQLite's grouped commits, see the write
 * seam): `begin` opens its savepoint, `undo` rolls back what it wrote, `end` closes it. One at a time: the
 * savepoints share a name, so a group's writes must not overlap.
 */
export const writeSavepoint = {
  begin: (trx: Queryable) => sql`savepoint write`.execute(trx),
  undo: (trx: Queryable) => sql`rollback to write`.execute(trx),
  end: (trx: Queryable) => sql`release write`.execute(trx),
}
