import type { Migration } from 'kysely'
import type { MigrationDb } from './migration-db.js'

// Idempotency records live in the database rather than in memory so that a retry that lands on another
// instance, or after a restart, still finds the first attempt.
export const idempotencyKeys: Migration = {
  async up(db: MigrationDb) {
    await db.schema
      .createTable('idempotency_keys')
      .addColumn('principal_id', 'text', (col) => col.notNull())
      .addColumn('key', 'text', (col) => col.notNull())
      .addColumn('fingerprint', 'text', (col) => col.notNull())
      .addColumn('state', 'text', (col) => col.notNull())
      .addColumn('status', 'integer')
      .addColumn('headers', 'text')
      .addColumn('body', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('locked_until', 'text', (col) => col.notNull())
      .addColumn('expires_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['principal_id', 'key'])
      .execute()
    await db.schema.createIndex('idempotency_keys_expires_at').on('idempotency_keys').column('expires_at').execute()
  },
  async down(db: MigrationDb) {
    await db.schema.dropTable('idempotency_keys').execute()
  },
}
