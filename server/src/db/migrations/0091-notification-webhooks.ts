import type { Migration } from 'kysely'
import type { MigrationDb } from './migration-db.js'

// The webhook endpoint a `webhook_disabled` notification is about (null for every other reason).
export const notificationWebhooks: Migration = {
  async up(db: MigrationDb) {
    await db.schema.alterTable('notifications').addColumn('webhook_id', 'text').execute()
  },
  async down(db: MigrationDb) {
    await db.schema.alterTable('notifications').dropColumn('webhook_id').execute()
  },
}
