import { type Migration, PostgresAdapter } from 'kysely'
import type { MigrationDb } from './migration-db.js'

const isPostgres = (db: MigrationDb) => db.getExecutor().adapter instanceof PostgresAdapter

// Attachments: one row per stored file. The project, task, note and comment are plain columns, not
// foreign keys that cascade: deleting one of them must remove its files (bytes included), so the row is
// removed by the attachments' own reaction to that deletion, which also knows the storage key to delete.
// A row whose parent is gone regardless is found by the orphan sweep. `project_storage` holds each
// project's usage, updated in the same transaction as the row, so the quota check is one atomic update.
export const attachments: Migration = {
  async up(db: MigrationDb) {
    const size = isPostgres(db) ? 'bigint' : 'integer'
    await db.schema
      .createTable('attachments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('task_id', 'text')
      .addColumn('note_id', 'text')
      .addColumn('comment_id', 'text')
      .addColumn('filename', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('claimed_type', 'text')
      .addColumn('size', size, (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('storage_key', 'text', (c) => c.notNull().unique())
      .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('attachments_project').on('attachments').columns(['project_id', 'id']).execute()
    await db.schema.createIndex('attachments_task').on('attachments').columns(['task_id', 'id']).execute()
    await db.schema.createIndex('attachments_note').on('attachments').columns(['note_id', 'id']).execute()
    await db.schema.createIndex('attachments_comment').on('attachments').columns(['comment_id', 'id']).execute()

    await db.schema
      .createTable('project_storage')
      .addColumn('project_id', 'text', (c) => c.primaryKey())
      .addColumn('used_bytes', size, (c) => c.notNull())
      .addColumn('file_count', 'integer', (c) => c.notNull())
      .execute()

    // Bytes to delete: written in the transaction that deletes the row, so a deletion is visible (and its
    // bytes removed) only once the row is gone for good; worked off after commit and by the sweep.
    await db.schema
      .createTable('attachment_deletions')
      .addColumn('attachment_id', 'text', (c) => c.primaryKey())
      .addColumn('storage_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute()
  },
  async down(db: MigrationDb) {
    await db.schema.dropTable('attachment_deletions').execute()
    await db.schema.dropTable('project_storage').execute()
    await db.schema.dropTable('attachments').execute()
  },
}
