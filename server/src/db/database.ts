import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import type { PoolClient } from 'pg'
import { DATABASE_LIMIT_DEFAULTS } from './limits.js'
import { loadPg } from './pg.js'
import { OwnSchemaPostgresDialect } from './postgres-dialect.js'
import type { Database } from './schema.js'

export type Dialect = 'sqlite' | 'postgres'

export type DatabaseOptions =
  | { dialect: 'sqlite'; file: string }
  | { dialect: 'postgres'; url: string; schema?: string; poolSize?: number }

export interface DatabaseLimits {
  /** PostgreSQL: how long opening a connection (or waiting for a free one in the pool) may take; 5 s by default. */
  connectTimeoutMs?: number
  /** PostgreSQL: how long one statement may run (the server cancels it, the client gives up soon after); 15 s by default. */
  statementTimeoutMs?: number
  /** SQLite: the most memory, in MiB, its page cache may hold; 64 by default. */
  sqliteCacheMb?: number
  /** Told about connections that failed outside a query (terminated by the server, network lost). */
  onConnectionError?: (err: Error) => void
}

// A statement that has not answered this long after the server should have cancelled it is on a connection
// that no longer reaches the server (a network partition, a frozen host).
const CLIENT_GRACE_MS = 1000

/** A connection or an open transaction: what repository functions run their queries on. */
export type Queryable = Kysely<Database>

export interface Db {
  kysely: Kysely<Database>
  dialect: Dialect
  /** What the database was opened with, for opening further dedicated connections (LISTEN). */
  options: DatabaseOptions
  /** The open better-sqlite3 handle, for online backups; undefined on PostgreSQL. */
  sqlite?: SqliteDatabase.Database
  close(): Promise<void>
}

/** The better-sqlite3 handle behind each root SQLite Kysely (never a transaction's), for `prepared()`. */
const sqliteHandles = new WeakMap<object, SqliteDatabase.Database>()

/**
 * The better-sqlite3 connection `db` runs on, when `db` is the root Kysely of a SQLite database; undefined
 * for PostgreSQL and for a transaction's Kysely.
 */
export const sqliteHandleOf = (db: object): SqliteDatabase.Database | undefined => sqliteHandles.get(db)

/**
 * Opens the database: SQLite (WAL, foreign keys on) for the embedded default, PostgreSQL when a URL is set.
 *
 * @example
 * const db = openDatabase({ dialect: 'sqlite', file: './data/tasklane.db' })
 */
export function openDatabase(options: DatabaseOptions, limits: DatabaseLimits = {}): Db {
  if (options.dialect === 'sqlite') {
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true })
    const sqlite = new SqliteDatabase(options.file)
    sqlite.pragma('journal_mode = WAL')
    sqlite.pragma('synchronous = NORMAL')
    sqlite.pragma('foreign_keys = ON')
    sqlite.pragma('busy_timeout = 5000')
    // Negative: a size in KiB. SQLite's default (2 MiB) is smaller than what one search of a large project
    // reads (its index's doclists, then each match's row), and every page it must read again is a read
    // from the file: at 100k tasks, a two-word search took twice the CPU.
    sqlite.pragma(`cache_size = -${(limits.sqliteCacheMb ?? DATABASE_LIMIT_DEFAULTS.sqliteCacheMb) * 1024}`)
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
    sqliteHandles.set(kysely, sqlite)
    return { kysely, dialect: 'sqlite', options, sqlite, close: () => kysely.destroy() }
  }
  const {
    connectTimeoutMs = DATABASE_LIMIT_DEFAULTS.connectTimeoutMs,
    statementTimeoutMs = DATABASE_LIMIT_DEFAULTS.statementTimeoutMs,
  } = limits
  const pool = new (loadPg().Pool)({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    // Names this app's connections to its schema: the change log's readers wait only for write
    // transactions of connections so named (see changesRepository).
    application_name: `tasklane:${options.schema ?? 'public'}`.slice(0, 63),
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + CLIENT_GRACE_MS,
    // Lets the kernel notice a peer that vanished without closing the connection.
    keepAlive: true,
  })
  const onConnectionError = (err: Error) => limits.onConnectionError?.(err)
  // An idle connection the server ended (restart, failover, pg_terminate_backend) is reported here; unheard,
  // the 'error' event would end the process. The pool drops the connection and opens a new one when needed.
  pool.on('error', () => {})
  pool.on('connect', (client) => {
    // A connection lost while a query runs fails that query, and is reported on the client itself, which
    // the pool listens to only while the connection is idle.
    client.on('error', onConnectionError)
    abandonOnReadTimeout(client)
  })
  const kysely = new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool }) })
  return { kysely, dialect: 'postgres', options, close: () => kysely.destroy() }
}

/**
 * Kysely prepares every query afresh, and on SQLite preparing costs as much as running a small query.
 * Queries are parameterised, so the same SQL text recurs; its prepared statement is kept and reused
 * (better-sqlite3 runs one statement at a time on the one connection, so reuse is safe). Bounded, oldest
 * first out, because `in (…)` lists of different lengths make distinct texts.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, size = 500) {
  const cache = new Map<string, SqliteDatabase.Statement>()
  return {
    prepare(sql: string) {
      let statement = cache.get(sql)
      if (statement) {
        cache.delete(sql)
      } else {
        statement = sqlite.prepare(sql)
        if (cache.size >= size) cache.delete(cache.keys().next().value as string)
      }
      cache.set(sql, statement)
      return statement
    },
    close() {
      cache.clear()
      sqlite.close()
    },
  }
}

/**
 * After node-postgres gives up waiting for a statement's answer, the connection still has that statement
 * outstanding: handed back to the pool, it would stall every later query on it. Closing its socket marks
 * it broken, so the pool discards it instead.
 */
function abandonOnReadTimeout(client: PoolClient) {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown
  client.query = ((...args: unknown[]) => {
    const result = query(...args)
    if (result instanceof Promise) {
      result.catch((err: unknown) => {
        if (err instanceof Error && err.message === 'Query read timeout') {
          ;(client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
        }
      })
    }
    return result
  }) as typeof client.query
}

/**
 * Resolves when the database answers a trivial query within `timeoutMs`, throws when it does not: what
 * /readyz checks.
 */
export async function pingDatabase(db: Db, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    await Promise.race([sql`select 1`.execute(db.kysely), timeout])
  } finally {
    clearTimeout(timer)
  }
}
