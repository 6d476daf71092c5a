import { type Migration, PostgresAdapter, sql } from 'kysely'
import type { MigrationDb } from './migration-db.js'

const isPostgres = (db: MigrationDb) => db.getExecutor().adapter instanceof PostgresAdapter

// Resumable (tus) uploads under way. A row is written, and its Upload-Length reserved against the
// project's quota (`project_storage.reserved_bytes`), when the upload is created, so uploads running side
// by side cannot together pass the quota; the write that makes the attachment releases the reservation
// and counts the file, in one transaction. Unfinished rows past `expires_at` are swept with their bytes.
export const uploads: Migration = {
  async up(db: MigrationDb) {
    const size = isPostgres(db) ? 'bigint' : 'integer'
    await db.schema
      .createTable('uploads')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('length', size, (c) => c.notNull())
      .addColumn('filename', 'text', (c) => c.notNull())
      .addColumn('claimed_type', 'text')
      .addColumn('task_id', 'text')
      .addColumn('note_id', 'text')
      .addColumn('comment_id', 'text')
      .addColumn('sha256', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('uploads_expires').on('uploads').columns(['expires_at']).execute()
    await db.schema
      .alterTable('project_storage')
      .addColumn('reserved_bytes', size, (c) => c.notNull().defaultTo(sql`0`))
      .execute()
  },
  async down(db: MigrationDb) {
    await db.schema.alterTable('project_storage').dropColumn('reserved_bytes').execute()
    await db.schema.dropTable('uploads').execute()
  },
}
