import type { Migration } from 'kysely'
import type { MigrationDb } from './migration-db.js'

// Where each account has signed in from with its password: the client (its IP, as TRUST_PROXY finds it)
// and when it last succeeded. A client known to an account is exempt from the account-wide login limit
// that strangers could otherwise exhaust to lock the owner out, and its password checks go first in the
// hashing queue. Kept per account, newest first, and forgotten after 90 days without a sign-in.
export const loginClients: Migration = {
  async up(db: MigrationDb) {
    await db.schema
      .createTable('login_clients')
      .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('client', 'text', (col) => col.notNull())
      .addColumn('last_success_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('login_clients_pkey', ['user_id', 'client'])
      .execute()
  },
  async down(db: MigrationDb) {
    await db.schema.dropTable('login_clients').execute()
  },
}
