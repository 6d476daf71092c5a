import { type Migration, sql } from 'kysely'
import type { MigrationDb } from './migration-db.js'

// The durable job queue: outbound work (mail, webhook deliveries) inserted in the transaction of the write
// that causes it. A job waits as `queued` until `available_at`, runs as `running` while a worker holds its
// lease (`available_at` is then the lease's end, so a crashed worker's job becomes claimable again), and is
// deleted when done. One that keeps failing stays as `failed` for inspection. The partial index holds only
// the jobs a worker may claim, so the claim query stays cheap however many failed jobs are kept.
export const jobs: Migration = {
  async up(db: MigrationDb) {
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('available_at', 'text', (c) => c.notNull())
      .addColumn('locked_by', 'text')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('jobs_claimable')
      .on('jobs')
      .column('available_at')
      .where(sql.ref('state'), '<>', 'failed')
      .execute()
    await db.schema.createIndex('jobs_by_kind_state').on('jobs').columns(['kind', 'state', 'created_at']).execute()
  },
  async down(db: MigrationDb) {
    await db.schema.dropTable('jobs').execute()
  },
}
