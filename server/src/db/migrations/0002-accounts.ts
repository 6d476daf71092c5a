import type { Migration } from 'kysely'
import type { MigrationDb } from './index.js'

// Accounts and everything that authenticates as one. Every row that belongs to a user references it with
// ON DELETE CASCADE, so deleting an account removes its sessions, keys and tokens in one statement; later
// features' tables should do the same.
export const accounts: Migration = {
  async up(db: MigrationDb) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('email', 'text', (col) => col.notNull())
      // Lower-cased email: uniqueness and lookups ignore case without relying on a collation.
      .addColumn('email_normalized', 'text', (col) => col.notNull().unique())
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('password_hash', 'text', (col) => col.notNull())
      .addColumn('email_verified_at', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .execute()

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('device_label', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('last_used_at', 'text', (col) => col.notNull())
      .addColumn('expires_at', 'text', (col) => col.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('revoked_reason', 'text')
      // The last rotation, kept for the grace window: the token it consumed, the new refresh token
      // (encrypted), and when it happened (the issue time of the access token that went with it).
      .addColumn('grace_parent_hash', 'text')
      .addColumn('grace_token', 'text')
      .addColumn('rotated_at', 'text')
      .execute()
    await db.schema.createIndex('sessions_user_id').on('sessions').columns(['user_id', 'id']).execute()

    // Every refresh token a session was ever given, so that reuse of any earlier one is recognised.
    await db.schema
      .createTable('refresh_tokens')
      .addColumn('token_hash', 'text', (col) => col.primaryKey())
      .addColumn('session_id', 'text', (col) => col.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('used_at', 'text')
      .execute()
    await db.schema.createIndex('refresh_tokens_session_id').on('refresh_tokens').column('session_id').execute()

    // No foreign key: entries outlive deleted sessions and users, so that other instances still learn that
    // their access tokens stopped working. Pruned once no access token of theirs can still be valid.
    await db.schema
      .createTable('session_revocations')
      .addColumn('session_id', 'text', (col) => col.notNull())
      .addColumn('revoked_at', 'text', (col) => col.notNull())
      .execute()
    await db.schema
      .createIndex('session_revocations_revoked_at')
      .on('session_revocations')
      .column('revoked_at')
      .execute()

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('prefix', 'text', (col) => col.notNull())
      .addColumn('key_hash', 'text', (col) => col.notNull().unique())
      .addColumn('scopes', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('last_used_at', 'text')
      .addColumn('revoked_at', 'text')
      .execute()
    await db.schema.createIndex('api_keys_user_id').on('api_keys').columns(['user_id', 'id']).execute()

    // Single-use tokens sent by email (verification, password reset), stored hashed.
    await db.schema
      .createTable('email_tokens')
      .addColumn('token_hash', 'text', (col) => col.primaryKey())
      .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('purpose', 'text', (col) => col.notNull())
      .addColumn('email', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('expires_at', 'text', (col) => col.notNull())
      .addColumn('used_at', 'text')
      .execute()
    await db.schema.createIndex('email_tokens_user_id').on('email_tokens').columns(['user_id', 'purpose']).execute()
  },
  async down(db: MigrationDb) {
    for (const table of ['email_tokens', 'api_keys', 'session_revocations', 'refresh_tokens', 'sessions', 'users']) {
      await db.schema.dropTable(table).execute()
    }
  },
}
