import { type Kysely, type MigrationResultSet, Migrator, sql } from 'kysely'
import type { Db } from './database.js'
import { migrations } from './migrations/index.js'

export class MigrationError extends Error {
  override name = 'MigrationError'
}

/** Runs every pending migration of the registry; throws, with the failing migration named, on failure. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: db.dialect === 'postgres' ? await currentSchema(db.kysely) : undefined,
  })
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error) {
    const cause = error instanceof Error ? error : new Error(String(error))
    throw new MigrationError(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause.message}`, { cause })
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/**
 * On PostgreSQL, the schema the connection works in. Kysely's Migrator, given no schema, takes its tables
 * as existing when any schema in the database has tables of those names (another app's, or a parallel
 * test's), and then fails on its own schema where they are missing; naming the schema avoids that.
 */
async function currentSchema<DB>(db: Kysely<DB>): Promise<string | undefined> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
  return rows[0]?.schema
}
