import type { Migration } from 'kysely'
import type { MigrationDb } from './migration-db.js'

// Which server instance holds a running idempotency claim. A claim whose instance has died is free at once
// (see db/instance-presence.ts) instead of only when its time lock runs out; claims made before this
// column existed have none and keep the time lock alone.
export const idempotencyHolders: Migration = {
  async up(db: MigrationDb) {
    await db.schema.alterTable('idempotency_keys').addColumn('holder', 'text').execute()
  },
  async down(db: MigrationDb) {
    await db.schema.alterTable('idempotency_keys').dropColumn('holder').execute()
  },
}
