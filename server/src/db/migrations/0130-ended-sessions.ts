import type { Migration } from 'kysely'
import type { MigrationDb } from './migration-db.js'

// The accounts' housekeeping deletes sessions that ended (revoked, or expired) long ago, with their refresh
// tokens; these let it find them without reading every session.
export const endedSessions: Migration = {
  async up(db: MigrationDb) {
    await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute()
    await db.schema.createIndex('sessions_revoked_at').on('sessions').column('revoked_at').execute()
  },
  async down(db: MigrationDb) {
    await db.schema.dropIndex('sessions_revoked_at').execute()
    await db.schema.dropIndex('sessions_expires_at').execute()
  },
}
