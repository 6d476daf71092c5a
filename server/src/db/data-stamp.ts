import { sqliteHandleOf } from './database.js'

/**
 * A stamp of the data the database has committed, for what is computed from that data and kept while it
 * stays the same (a page of a list): the stamp moves with every committed change. `undefined` when there
 * is none to read, and then nothing may be kept.
 *
 * SQLite: the count of rows this connection has inserted, updated or deleted (`total_changes()`, trigger
 * programs included), read from the connection without touching the file, so it costs next to nothing.
 * The server writes only through this one connection, and no other process writes the file while it runs
 * (`serve`, `migrate` and `restore` each hold the data directory's lock), so no change is committed without
 * moving it. Writes rolled back move it too, which only drops what was kept. While a transaction is open
 * there is no stamp: its writes are counted before they are committed.
 *
 * PostgreSQL: other instances write as well, and nothing tells this one cheaply, so there is none.
 *
 * @example
 * const stamp = dataStamp(db)
 * const before = stamp() // read before the data it stands for
 */
export function dataStamp(db: object): () => number | undefined {
  const sqlite = sqliteHandleOf(db)
  if (!sqlite) return () => undefined
  let changes: { get(): unknown } | undefined
  return () => {
    if (sqlite.inTransaction) return undefined
    changes ??= sqlite.prepare('select total_changes()').pluck()
    return changes.get() as number
  }
}
