import type { Migration } from 'kysely'
import type { MigrationDb } from './migration-db.js'

// Proof that a signed-in person just signed in again at a provider linked to their account: what an
// account without a password gives instead of it to delete itself or change its address. Stored hashed,
// single-use, valid for minutes.
export const reauthentications: Migration = {
  async up(db: MigrationDb) {
    await db.schema
      .createTable('reauthentications')
      .addColumn('token_hash', 'text', (col) => col.primaryKey())
      .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('provider', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('expires_at', 'text', (col) => col.notNull())
      .addColumn('used_at', 'text')
      .execute()
    await db.schema.createIndex('reauthentications_user_id').on('reauthentications').column('user_id').execute()
  },
  async down(db: MigrationDb) {
    await db.schema.dropTable('reauthentications').execute()
  },
}
