import { type Kysely, type MigrationResultSet, Migrator, PostgresAdapter, sql } from 'kysely'
import { migrations } from './migrations/index.js'

export class MigrationError extends Error {
  override name = 'MigrationError'
}

/** Runs every pending migration of the registry; throws, with the failing migration named, on failure. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: await postgresSchema(db),
  })
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error) {
    const cause = error instanceof Error ? error : new Error(String(error))
    throw new MigrationError(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause.message}`, { cause })
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

// Without an explicit schema, Kysely's Migrator on PostgreSQL looks for its bookkeeping tables in every
// schema of the database: another schema's kysely_migration table (another app, or a concurrent test's
// schema) makes it skip creating its own and then fail. Pin it to the schema the connection works in.
async function postgresSchema(db: Kysely<any>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
  return rows[0]?.schema
}
