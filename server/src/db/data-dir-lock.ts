import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError'
}

export interface DataDirLock {
  release(): void
}

/**
 * Takes the data directory for this process alone: two servers writing one SQLite file each keep their own
 * caches and contend for its write lock, and some of their writes fail. The lock is SQLite's own exclusive
 * lock on `tasklane.lock` (an OS file lock), so it ends with the process however the process ends: no stale
 * lock file to clean up after a crash.
 *
 * @example
 * const lock = lockDataDir('./data') // throws DataDirLockedError when another server holds it
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, 'tasklane.lock')
  const lock = new SqliteDatabase(file, { timeout: 0 })
  try {
    lock.pragma('locking_mode = EXCLUSIVE')
    // The first write under the exclusive locking mode takes the lock and keeps it until the connection closes.
    lock.exec('begin exclusive; create table if not exists holder (pid integer); commit')
  } catch (err) {
    lock.close()
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new DataDirLockedError(
        `Another Tasklane server is already using ${dataDir} (it holds ${file}). Stop it first, or give this one its own DATA_DIR.`,
      )
    }
    throw err
  }
  return { release: () => lock.close() }
}
