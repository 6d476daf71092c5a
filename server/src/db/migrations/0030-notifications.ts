import { type Migration, sql } from 'kysely'
import type { MigrationDb } from './migration-db.js'

// In-app notifications and who wants which. A notification is a thread: while it is unread there is at
// most one per (recipient, reason, subject), which the partial unique index enforces so that concurrent
// events bump one row instead of racing to insert two. `email_due_at` is set while an email may still go
// out; the email worker claims rows by it, so it is indexed alone.
export const notifications: Migration = {
  async up(db: MigrationDb) {
    await db.schema
      .createTable('notifications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('reason', 'text', (c) => c.notNull())
      // `task:<id>` or `project:<id>`: what the thread is about.
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('task_id', 'text', (c) => c.references('tasks.id').onDelete('cascade'))
      .addColumn('comment_id', 'text', (c) => c.references('comments.id').onDelete('set null'))
      .addColumn('invitation_id', 'text', (c) => c.references('invitations.id').onDelete('set null'))
      .addColumn('actor_id', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('read_at', 'text')
      .addColumn('email_due_at', 'text')
      .addColumn('emailed_at', 'text')
      .execute()
    await db.schema
      .createIndex('notifications_unread_thread')
      .on('notifications')
      .columns(['user_id', 'reason', 'subject'])
      .unique()
      .where(sql.ref('read_at'), 'is', null)
      .execute()
    await db.schema
      .createIndex('notifications_by_updated')
      .on('notifications')
      .columns(['user_id', 'updated_at', 'id'])
      .execute()
    await db.schema.createIndex('notifications_email_due').on('notifications').column('email_due_at').execute()

    await db.schema
      .createTable('notification_preferences')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('in_app', 'integer', (c) => c.notNull())
      .addColumn('email', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('notification_preferences_pk', ['user_id', 'reason'])
      .execute()
  },
  async down(db: MigrationDb) {
    await db.schema.dropTable('notification_preferences').execute()
    await db.schema.dropTable('notifications').execute()
  },
}
