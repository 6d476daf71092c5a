import SqliteDatabase from 'better-sqlite3'
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
  if (!db.sqlite)
    throw new Error('backupSqlite copies the embedded SQLite database; PostgreSQL is dumped by pg-backup.ts')
  const { totalPages } = await db.sqlite.backup(file, { progress: () => ALL_PAGES })
  return { totalPages }
}

/** An attachment row as a backup sees it: where its bytes are stored and how many there are. */
export interface StoredAttachment {
  id: string
  storageKey: string
  size: number
}

/** The attachments recorded in the SQLite database file `file` (a backup copy), read-only. */
export function attachmentsIn(file: string): StoredAttachment[] {
  const db = new SqliteDatabase(file, { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare('select id, storage_key, size from attachments order by id').all() as {
      id: string
      storage_key: string
      size: number | bigint
    }[]
    return rows.map((r) => ({ id: r.id, storageKey: r.storage_key, size: Number(r.size) }))
  } finally {
    db.close()
  }
}

/** Whether the SQLite database file `file` passes SQLite's integrity check. */
export function sqliteIntact(file: string): boolean {
  const db = new SqliteDatabase(file, { readonly: true, fileMustExist: true })
  try {
    return db.pragma('integrity_check', { simple: true }) === 'ok'
  } finally {
    db.close()
  }
}
