import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { DatabaseOptions } from '../db/database.js'

/** Which database this test run targets; vitest's projects set it (see vitest.config.ts). */
export const TEST_DATABASE: 'sqlite' | 'postgres' = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite'

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface FreshDatabase {
  options: DatabaseOptions
  /** The data directory (SQLite) the database lives in. */
  dataDir: string
  drop(): Promise<void>
}

/**
 * A database no other test touches: a new SQLite file in a temporary folder, or a new schema in the test
 * PostgreSQL database (dropped with everything in it afterwards).
 */
export async function freshDatabase(dialect = TEST_DATABASE): Promise<FreshDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tasklane-test-'))
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true })
  if (dialect === 'sqlite') {
    return {
      options: { dialect: 'sqlite', file: join(dataDir, 'tasklane.db') },
      dataDir,
      drop: async () => removeDir(),
    }
  }
  const schema = `test_${randomBytes(6).toString('hex')}`
  await withAdmin((client) => client.query(`create schema ${schema}`))
  return {
    options: { dialect: 'postgres', url: TEST_POSTGRES_URL, schema, poolSize: 5 },
    dataDir,
    drop: async () => {
      await withAdmin((client) => client.query(`drop schema ${schema} cascade`))
      removeDir()
    },
  }
}

/**
 * Whether tests that need PostgreSQL should run: it answers, or CI requires it (REQUIRE_POSTGRES=1), in which
 * case the tests run and fail on the missing database instead of skipping.
 */
export async function postgresWanted(): Promise<boolean> {
  if (process.env.REQUIRE_POSTGRES === '1') return true
  return withAdmin(async () => true).catch(() => false)
}

/** A short-lived connection to the test database as its administrator. */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}
