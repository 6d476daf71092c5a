import type { Migration } from 'kysely'
import type { MigrationDb } from './migration-db.js'

// Signing up by email (startSignUp, completeSignUp): the single-use token mailed to an address that has no
// account yet, stored hashed. There is no user to hang it on until it is used, hence its own table; the
// address is kept as sent and lowercased, so that a newer request ends the earlier ones for that address.
export const signupRequests: Migration = {
  async up(db: MigrationDb) {
    await db.schema
      .createTable('signup_requests')
      .addColumn('token_hash', 'text', (col) => col.primaryKey())
      .addColumn('email', 'text', (col) => col.notNull())
      .addColumn('email_normalized', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('expires_at', 'text', (col) => col.notNull())
      .addColumn('used_at', 'text')
      .execute()
    await db.schema
      .createIndex('signup_requests_email_normalized')
      .on('signup_requests')
      .column('email_normalized')
      .execute()
  },
  async down(db: MigrationDb) {
    await db.schema.dropTable('signup_requests').execute()
  },
}
