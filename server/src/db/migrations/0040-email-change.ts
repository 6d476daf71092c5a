import type { Migration } from 'kysely'
import type { MigrationDb } from './migration-db.js'

// An email change takes effect only when its link, mailed to the new address, is followed; until then
// the account keeps its address and shows the pending one. The link's token is an `email_tokens` row
// with purpose `change_email`.
export const emailChange: Migration = {
  async up(db: MigrationDb) {
    await db.schema.alterTable('users').addColumn('pending_email', 'text').execute()
    await db.schema.alterTable('users').addColumn('pending_email_expires_at', 'text').execute()
  },
  async down(db: MigrationDb) {
    await db.schema.alterTable('users').dropColumn('pending_email_expires_at').execute()
    await db.schema.alterTable('users').dropColumn('pending_email').execute()
  },
}
