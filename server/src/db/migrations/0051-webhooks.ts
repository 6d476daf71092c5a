import { type Migration, PostgresAdapter } from 'kysely'
import type { MigrationDb } from './migration-db.js'

const isPostgres = (db: MigrationDb) => db.getExecutor().adapter instanceof PostgresAdapter

// Webhook endpoints per project and their delivery log. A delivery row is the message (its id is the
// `webhook-id`, its body fixed when it was queued) plus the outcome of its last attempt; the job queue holds
// only a pointer to it. Secrets are kept as issued: the server signs with them, so they cannot be hashed.
export const webhooks: Migration = {
  async up(db: MigrationDb) {
    const pg = isPostgres(db)
    await db.schema
      .createTable('webhook_endpoints')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      // JSON array of patterns: `task.updated`, `task.*`, `*`.
      .addColumn('event_types', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('disabled_reason', 'text')
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('previous_secret', 'text')
      .addColumn('previous_secret_expires_at', 'text')
      // Set by the first failed attempt after a success, cleared by the next success: how long it has failed.
      .addColumn('failing_since', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('webhook_endpoints_project')
      .on('webhook_endpoints')
      .columns(['project_id', 'id'])
      .execute()

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('change_seq', pg ? 'bigint' : 'integer')
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('last_attempt_at', 'text')
      .addColumn('duration_ms', 'integer')
      .addColumn('response_status', 'integer')
      .addColumn('response_body', 'text')
      .addColumn('error', 'text')
      .addColumn('next_attempt_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('webhook_deliveries_endpoint')
      .on('webhook_deliveries')
      .columns(['endpoint_id', 'id'])
      .execute()
  },
  async down(db: MigrationDb) {
    await db.schema.dropTable('webhook_deliveries').execute()
    await db.schema.dropTable('webhook_endpoints').execute()
  },
}
