import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely'
import pg from 'pg'
import type { Database } from './schema.js'

export type Dialect = 'sqlite' | 'postgres'

export type DatabaseOptions =
  | { dialect: 'sqlite'; file: string }
  | { dialect: 'postgres'; url: string; schema?: string; poolSize?: number }

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

// PostgreSQL's bigint and numeric come back as strings by default; counts and ids here fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10))

/**
 * Opens the database: SQLite (WAL, foreign keys on) for the embedded default, PostgreSQL when a URL is set.
 *
 * @example
 * const db = openDatabase({ dialect: 'sqlite', file: './data/tasklane.db' })
 */
export function openDatabase(options: DatabaseOptions): Db {
  if (options.dialect === 'sqlite') {
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true })
    const sqlite = new SqliteDatabase(options.file)
    sqlite.pragma('journal_mode = WAL')
    sqlite.pragma('synchronous = NORMAL')
    sqlite.pragma('foreign_keys = ON')
    sqlite.pragma('busy_timeout = 5000')
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
    return { kysely, dialect: 'sqlite', options, sqlite, close: () => kysely.destroy() }
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  })
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
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

/** Resolves when the database answers a trivial query, throws when it does not: what /readyz checks. */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db.kysely)
}
