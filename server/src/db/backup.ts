import type { Db } from './database.js'

// sqlite3_backup_step copies this many pages at once: all of them.
const ALL_PAGES = 0x7fffffff

/**
 * Writes a consistent copy of the SQLite database to `file` with SQLite's online backup API. All pages are
 * copied in one step, inside one read transaction: the copy is one point in time, and (in WAL mode) writers
 * carry on meanwhile. Copying in small steps instead restarts the copy whenever another connection writes
 * between two steps, so under steady writes it would never finish.
 */
export async function backupSqlite(db: Db, file: string): Promise<{ totalPages: number }> {
  if (!db.sqlite) throw new Error('backup copies the embedded SQLite database; on PostgreSQL use pg_dump')
  const { totalPages } = await db.sqlite.backup(file, { progress: () => ALL_PAGES })
  return { totalPages }
}
