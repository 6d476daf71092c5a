import type { Db } from './database.js'

/**
 * Writes a consistent copy of the SQLite database to `file` with SQLite's online backup API: pages are
 * copied in steps while other connections keep writing, and the copy is restarted if they change a page
 * that was already copied, so the result is one point in time.
 */
export async function backupSqlite(db: Db, file: string): Promise<{ totalPages: number }> {
  if (!db.sqlite) throw new Error('backup copies the embedded SQLite database; on PostgreSQL use pg_dump')
  const { totalPages } = await db.sqlite.backup(file)
  return { totalPages }
}
