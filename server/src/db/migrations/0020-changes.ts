import { type Migration, PostgresAdapter } from 'kysely'
import type { MigrationDb } from './migration-db.js'

const isPostgres = (db: MigrationDb) => db.getExecutor().adapter instanceof PostgresAdapter

// The change log: one row per resource a write touched, appended in the write's own transaction, read in
// `seq` order by the event stream, `/v1/changes` and the outboxes. No foreign keys: a change outlives the
// project or user it is about (its tombstone is the point).
export const changes: Migration = {
  async up(db: MigrationDb) {
    const pg = isPostgres(db)
    await db.schema
      .createTable('changes')
      .addColumn('seq', pg ? 'bigint' : 'integer', (c) =>
        pg ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
      )
      .addColumn('project_id', 'text')
      .addColumn('user_id', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('resource_type', 'text', (c) => c.notNull())
      .addColumn('resource_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer')
      .addColumn('actor_id', 'text')
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('changes_project_seq').on('changes').columns(['project_id', 'seq']).execute()
    await db.schema.createIndex('changes_user_seq').on('changes').columns(['user_id', 'seq']).execute()
    await db.schema.createIndex('changes_created_at').on('changes').column('created_at').execute()

    // How far pruning has gone: a reader whose `since` is below it may have missed changes. Kept apart
    // from the rows because aborted transactions leave holes in `seq`, so the oldest row does not tell.
    await db.schema
      .createTable('changes_retention')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('pruned_through', pg ? 'bigint' : 'integer', (c) => c.notNull())
      .execute()
    await db.insertInto('changes_retention').values({ id: 1, pruned_through: 0 }).execute()
  },
  async down(db: MigrationDb) {
    await db.schema.dropTable('changes_retention').execute()
    await db.schema.dropTable('changes').execute()
  },
}
