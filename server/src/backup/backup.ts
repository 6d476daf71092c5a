import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { copyFile, link, mkdir, open, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { attachmentsIn, backupSqlite, type StoredAttachment, sqliteIntact } from '../db/backup.js'
import type { DatabaseOptions, Db } from '../db/database.js'
import { dumpPostgres, PgToolError, restorePostgres, schemaState } from '../db/pg-backup.js'
import { assertKey } from '../features/attachments/storage/storage.js'

/**
 * A backup is a directory laid out like a data directory, so that restoring it is copying it back:
 *
 *   backup.json              this manifest, written last (a directory without it is an unfinished backup)
 *   tasklane.db              SQLite: a consistent copy of the database (SQLite's online backup API)
 *   tasklane.pgdump          PostgreSQL: pg_dump of the app's schema (custom format), one snapshot
 *   attachments.json         PostgreSQL: the attachment rows of that snapshot, which restore copies the files of
 *   files/objects/att/<id>   the bytes of every attachment the copy records, and nothing else
 *
 * Thumbnails are left out: they are made again from the original on first request.
 */
export interface BackupManifest {
  format: 'tasklane-backup'
  version: 1
  createdAt: string
  database: typeof DATABASE_FILE | typeof PG_DUMP_FILE
  /** PostgreSQL: the schema dumped (restored under the same name) and the server's version. */
  postgres?: { schema: string; serverVersion: string }
  files: {
    /** Where the server kept attachment bytes; with `s3` they stay in the bucket and are not in the backup. */
    driver: 'local' | 's3'
    attachments: number
    bytes: number
    /** Attachments the copy records whose bytes were not to be found (the sweep removes them after a restore). */
    missing: string[]
  }
}

const MANIFEST = 'backup.json'
export const DATABASE_FILE = 'tasklane.db'
export const PG_DUMP_FILE = 'tasklane.pgdump'
const PG_ROWS_FILE = 'attachments.json'
const OBJECTS = ['files', 'objects']

/** A backup or restore the operator asked for cannot be made as asked; the message says why, in one line. */
export class BackupError extends Error {
  override name = 'BackupError'
}

export interface BackupOptions {
  /** The server's database: SQLite opened by the caller on `DATA_DIR/tasklane.db`, or PostgreSQL. */
  db: Db
  dataDir: string
  filesDriver: 'local' | 's3'
  /** The directory to write: created, or an existing empty one. */
  target: string
  /** How many times to start again when an attachment's bytes went missing while the backup ran. */
  attempts?: number
}

export interface BackupReport {
  /** SQLite: the pages of the database copy. */
  totalPages?: number
  /** PostgreSQL: the size of the dump. */
  dumpBytes?: number
  manifest: BackupManifest
  attempts: number
}

/**
 * Writes a backup of the data directory that is consistent between the database and the attachment files,
 * while a server keeps running on it.
 *
 * Bytes are stored before the row that records them commits, and deleted only after the row's deletion has
 * committed, so every row in a database copy had its bytes in the store when the copy was taken; only a
 * deletion after that point can take them away before they are copied. Hence, in order:
 * 1. pin: hard-link every stored object into a directory of the backup's own (a link is instant and keeps
 *    the bytes however the server deletes its name afterwards);
 * 2. copy the database (one point in time);
 * 3. copy the bytes of exactly the rows in that copy, from the pin or, for uploads committed between 1 and
 *    2, from the store. Bytes whose row is not in the copy (uploads under way, deleted files) are left out.
 * Only a file uploaded between 1 and 2 and deleted again before 3 can be missed; then the backup starts
 * again (up to `attempts` times) and, failing that, lists the attachment as missing.
 */
export async function backupDataDir({
  db,
  dataDir,
  filesDriver,
  target,
  attempts = 3,
}: BackupOptions): Promise<BackupReport> {
  await prepareTarget(target)
  const store = join(dataDir, ...OBJECTS)
  for (let attempt = 1; ; attempt++) {
    const pins = filesDriver === 'local' ? await pinObjects(store, join(dataDir, 'files', 'backup-pins')) : undefined
    try {
      const copy = await copyDatabase(db, target)
      let copied = { attachments: 0, bytes: 0, missing: [] as string[] }
      if (pins) {
        copied = await copyAttachments(copy.rows, [pins.dir, store], join(target, ...OBJECTS))
        if (copied.missing.length > 0 && attempt < attempts) {
          await emptyDirectory(target)
          continue
        }
      }
      const manifest: BackupManifest = {
        format: 'tasklane-backup',
        version: 1,
        createdAt: new Date().toISOString(),
        database: copy.file,
        ...(copy.postgres ? { postgres: copy.postgres } : {}),
        files: { driver: filesDriver, ...copied },
      }
      await writeDurably(join(target, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`)
      return { totalPages: copy.totalPages, dumpBytes: copy.dumpBytes, manifest, attempts: attempt }
    } finally {
      await pins?.release()
    }
  }
}

/** Step 2: the database at one point in time into `target`, and the attachment rows of that copy. */
async function copyDatabase(db: Db, target: string) {
  if (db.options.dialect === 'postgres') {
    const file = join(target, PG_DUMP_FILE)
    let dump: Awaited<ReturnType<typeof dumpPostgres>>
    try {
      dump = await dumpPostgres(db.options, file)
    } catch (err) {
      if (err instanceof PgToolError) throw new BackupError(err.message)
      throw err
    }
    await syncFile(file)
    await writeDurably(join(target, PG_ROWS_FILE), `${JSON.stringify(dump.rows)}\n`)
    return {
      file: PG_DUMP_FILE as BackupManifest['database'],
      rows: dump.rows,
      dumpBytes: (await stat(file)).size,
      totalPages: undefined,
      postgres: { schema: dump.schema, serverVersion: dump.serverVersion },
    }
  }
  const file = join(target, DATABASE_FILE)
  const { totalPages } = await backupSqlite(db, file)
  await syncFile(file)
  return {
    file: DATABASE_FILE as BackupManifest['database'],
    rows: attachmentsIn(file),
    totalPages,
    dumpBytes: undefined,
    postgres: undefined,
  }
}

export interface RestoreReport {
  manifest: BackupManifest
  /** Attachments whose bytes the backup lacks; the sweep removes their rows when the server starts. */
  missing: string[]
}

/**
 * Restores a backup into `dataDir`, which must hold no database: the attachment files first, then the
 * database (under a temporary name, renamed into place last), so an interrupted restore leaves no database
 * and can simply be run again. The caller holds the data directory's lock, so no server runs on it.
 *
 * A PostgreSQL backup is restored into `postgres` (DATABASE_URL), whose schema of the dumped name must hold
 * no tables: the files first, then the dump in one transaction, so an interrupted restore leaves no tables.
 */
export async function restoreDataDir({
  source,
  dataDir,
  postgres,
}: {
  source: string
  dataDir: string
  postgres?: Extract<DatabaseOptions, { dialect: 'postgres' }>
}): Promise<RestoreReport> {
  const manifest = await readManifest(source)
  if (manifest.database === PG_DUMP_FILE) {
    if (!postgres) {
      throw new BackupError(
        `${source} is a backup of a PostgreSQL database: set DATABASE_URL to the database to restore it into`,
      )
    }
    return restorePostgresBackup(source, dataDir, manifest, postgres)
  }
  if (postgres) {
    throw new BackupError(`${source} is a backup of a SQLite database: restore it with DATABASE_URL unset`)
  }
  const database = join(dataDir, DATABASE_FILE)
  for (const existing of [database, `${database}-wal`]) {
    if (await exists(existing)) {
      throw new BackupError(
        `${existing} already exists: restore into a data directory without a database (move it aside first)`,
      )
    }
  }
  const rows = readBackupDatabase(join(source, DATABASE_FILE))
  let missing: string[] = []
  if (manifest.files.driver === 'local') {
    ;({ missing } = await copyAttachments(rows, [join(source, ...OBJECTS)], join(dataDir, ...OBJECTS), {
      confined: true,
    }))
  }
  const partial = `${database}.restoring`
  await copyFile(join(source, DATABASE_FILE), partial)
  await syncFile(partial)
  await rename(partial, database)
  await syncFile(dataDir)
  return { manifest, missing }
}

async function restorePostgresBackup(
  source: string,
  dataDir: string,
  manifest: BackupManifest,
  postgres: Extract<DatabaseOptions, { dialect: 'postgres' }>,
): Promise<RestoreReport> {
  const schema = manifest.postgres?.schema
  if (!schema) throw new BackupError(`${join(source, MANIFEST)} names no PostgreSQL schema`)
  try {
    const state = await schemaState(postgres, schema)
    if (state === 'used') {
      throw new BackupError(
        `schema ${schema} of the database at DATABASE_URL already holds tables: restore into a database without them (drop or rename the schema first)`,
      )
    }
    let rows: unknown
    try {
      rows = JSON.parse(await readFile(join(source, PG_ROWS_FILE), 'utf8'))
    } catch {
      throw new BackupError(`${join(source, PG_ROWS_FILE)} is missing or not valid JSON: the backup is damaged`)
    }
    if (!isAttachmentList(rows)) {
      throw new BackupError(`${join(source, PG_ROWS_FILE)} is not a list of attachment rows: the backup is damaged`)
    }
    let missing: string[] = []
    if (manifest.files.driver === 'local') {
      ;({ missing } = await copyAttachments(rows, [join(source, ...OBJECTS)], join(dataDir, ...OBJECTS), {
        confined: true,
      }))
    }
    await restorePostgres(postgres, join(source, PG_DUMP_FILE), state === 'empty')
    return { manifest, missing }
  } catch (err) {
    if (err instanceof PgToolError) throw new BackupError(err.message)
    throw err
  }
}

/** Whether `value` is what attachments.json holds: the rows, each with its id, storage key and size. */
function isAttachmentList(value: unknown): value is StoredAttachment[] {
  return (
    Array.isArray(value) &&
    value.every(
      (row: Partial<StoredAttachment> | null) =>
        typeof row === 'object' &&
        row !== null &&
        typeof row.id === 'string' &&
        typeof row.storageKey === 'string' &&
        typeof row.size === 'number',
    )
  )
}

/** The attachments a backup's database records, once it has passed SQLite's integrity check. */
function readBackupDatabase(file: string): StoredAttachment[] {
  let rows: StoredAttachment[]
  try {
    if (!sqliteIntact(file)) throw new BackupError(`${file} fails SQLite's integrity check: the backup is damaged`)
    rows = attachmentsIn(file)
  } catch (err) {
    if (err instanceof BackupError) throw err
    throw new BackupError(`${file} is not a readable Tasklane database: ${(err as Error).message}`)
  }
  return rows
}

async function readManifest(source: string): Promise<BackupManifest> {
  const text = await readFile(join(source, MANIFEST), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
      throw new BackupError(`${source} is not a finished Tasklane backup: it has no ${MANIFEST}`)
    }
    throw err
  })
  let manifest: BackupManifest
  try {
    manifest = JSON.parse(text) as BackupManifest
  } catch {
    throw new BackupError(`${join(source, MANIFEST)} is not valid JSON`)
  }
  if (manifest?.format !== 'tasklane-backup' || manifest.version !== 1) {
    throw new BackupError(`${join(source, MANIFEST)} is not a version 1 Tasklane backup manifest`)
  }
  // What restore goes by: a manifest edited or cut short is refused here, in one line, not as a crash later.
  const { database, files, postgres } = manifest
  if (
    (database !== DATABASE_FILE && database !== PG_DUMP_FILE) ||
    typeof files !== 'object' ||
    files === null ||
    (files.driver !== 'local' && files.driver !== 's3') ||
    (postgres !== undefined &&
      (typeof postgres !== 'object' || postgres === null || typeof postgres.schema !== 'string'))
  ) {
    throw new BackupError(
      `${join(source, MANIFEST)} is damaged: it does not say which database and files the backup holds`,
    )
  }
  return manifest
}

async function prepareTarget(target: string) {
  await mkdir(target, { recursive: true })
  if ((await readdir(target)).length > 0) {
    throw new BackupError(`${target} is not empty: back up into a new or empty directory`)
  }
}

async function emptyDirectory(dir: string) {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true })
}

/**
 * Copies each row's bytes from the first of `sources` that has them; rows with no bytes anywhere are missing.
 * `confined` (restore): a backup may come from anywhere, so only regular files inside it count as its bytes;
 * a symbolic link (to a file of the host, say) would otherwise be copied into the store and served as the
 * attachment.
 */
async function copyAttachments(
  rows: StoredAttachment[],
  sources: string[],
  to: string,
  { confined = false }: { confined?: boolean } = {},
) {
  const result = { attachments: 0, bytes: 0, missing: [] as string[] }
  for (const row of rows) {
    // The key comes from a database file; a tampered one must not name a path outside the store.
    try {
      assertKey(row.storageKey)
    } catch {
      throw new BackupError(
        `attachment ${row.id} names ${JSON.stringify(row.storageKey)} as its file, which is not a storage key: the backup is damaged`,
      )
    }
    const parts = row.storageKey.split('/')
    const target = join(to, ...parts)
    let size: number | undefined
    for (const source of sources) {
      if (confined) await assertInside(source, parts)
      size = await copyIfPresent(join(source, ...parts), target)
      if (size !== undefined) break
    }
    if (size === row.size) {
      result.attachments++
      result.bytes += size
    } else {
      await rm(target, { force: true })
      result.missing.push(row.id)
    }
  }
  return result
}

/** Refuses a file under `root` that is not a regular file reached without links (if it exists at all). */
async function assertInside(root: string, parts: string[]) {
  const file = join(root, ...parts)
  let real: string
  try {
    real = await realpath(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  if (real !== join(await realpath(root), ...parts) || !(await stat(real)).isFile()) {
    throw new BackupError(`${file} is a link or not a regular file: the backup is damaged`)
  }
}

async function copyIfPresent(from: string, to: string): Promise<number | undefined> {
  await mkdir(dirname(to), { recursive: true })
  try {
    // A copy-on-write clone where the file system offers one, else a plain copy.
    await copyFile(from, to, constants.COPYFILE_FICLONE)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  await syncFile(to)
  return (await stat(to)).size
}

// Pins a crashed backup left behind, older than this, are removed by the next backup.
const STALE_PINS_MS = 24 * 60 * 60 * 1000

/** Hard-links every stored object under a fresh directory in `pinsRoot`; `release` removes the links. */
async function pinObjects(store: string, pinsRoot: string) {
  await removeStalePins(pinsRoot)
  const dir = join(pinsRoot, `${Date.now()}-${randomBytes(6).toString('hex')}`)
  await mkdir(dir, { recursive: true })
  for (const relative of await walk(store)) {
    const target = join(dir, relative)
    await mkdir(dirname(target), { recursive: true })
    try {
      await link(join(store, relative), target)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT') continue // deleted meanwhile: its row's deletion has committed
      // File systems without hard links: a copy pins the bytes just as well, only slower.
      if (code === 'EPERM' || code === 'EXDEV' || code === 'ENOTSUP' || code === 'EMLINK') {
        await copyFile(join(store, relative), target).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e
        })
        continue
      }
      throw err
    }
  }
  return { dir, release: () => rm(dir, { recursive: true, force: true }) }
}

async function removeStalePins(pinsRoot: string) {
  for (const name of await readdir(pinsRoot).catch(() => [] as string[])) {
    const started = Number(name.split('-')[0])
    if (Number.isFinite(started) && Date.now() - started > STALE_PINS_MS) {
      await rm(join(pinsRoot, name), { recursive: true, force: true })
    }
  }
}

/** Paths of the files under `root`, relative to it. */
async function walk(root: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(join(root, prefix), { withFileTypes: true }).catch(() => [])
  const out: string[] = []
  for (const entry of entries) {
    const relative = prefix ? join(prefix, entry.name) : entry.name
    if (entry.isDirectory()) out.push(...(await walk(root, relative)))
    else if (entry.isFile()) out.push(relative)
  }
  return out
}

async function writeDurably(file: string, text: string) {
  await writeFile(file, text)
  await syncFile(file)
  await syncFile(dirname(file))
}

async function syncFile(path: string) {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
