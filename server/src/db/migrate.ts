import { type Kysely, type MigrationResultSet, Migrator, PostgresAdapter, sql } from 'kysely'
import { migrations } from './migrations/index.js'

export class MigrationError extends Error {
  override name = 'MigrationError'
}

/** Runs every pending migration of the registry; throws, with the failing migration named, on failure. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one; on a PostgreSQL
  // database shared by several schemas (other tenants, parallel test runs) it would find another
  // schema's tables and never create its own.
  let migrationTableSchema: string | undefined
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
    migrationTableSchema = rows[0]?.schema
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  })
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error) {
    const cause = error instanceof Error ? error : new Error(String(error))
    throw new MigrationError(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause.message}`, { cause })
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
