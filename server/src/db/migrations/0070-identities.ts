import type { Migration } from 'kysely'
import type { MigrationDb } from './migration-db.js'

// Sign-in through outside identity providers (OpenID Connect, plain OAuth 2).
//
// `auth_identities` links an account to the subject a provider knows it by; (provider, subject) is unique
// so one provider account signs in to at most one Tasklane account. `auth_flows` holds a sign-in between
// its start and the app's exchange: the provider-side secrets (state, nonce, PKCE verifier), where the app
// wants the browser sent back, the app's own PKCE challenge, and once the provider has answered, its
// callback parameters and the hash of the one-time code the app exchanges. Both are single-use.
//
// Accounts created through a provider have no password: `users.password_hash` holds a value that is no
// argon2 hash, so no password ever matches it. `session_providers` remembers the provider a session was started
// with, so the session list shows it and a provider that is switched off ends its sessions.
export const identities: Migration = {
  async up(db: MigrationDb) {
    await db.schema
      .createTable('auth_identities')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('provider', 'text', (col) => col.notNull())
      .addColumn('subject', 'text', (col) => col.notNull())
      .addColumn('email', 'text')
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('last_used_at', 'text', (col) => col.notNull())
      .addUniqueConstraint('auth_identities_provider_subject', ['provider', 'subject'])
      .execute()
    await db.schema.createIndex('auth_identities_user_id').on('auth_identities').columns(['user_id', 'id']).execute()

    await db.schema
      .createTable('auth_flows')
      .addColumn('state_hash', 'text', (col) => col.primaryKey())
      .addColumn('provider', 'text', (col) => col.notNull())
      // sign_in, link or reauthenticate; the last two belong to the signed-in user who started them.
      .addColumn('intent', 'text', (col) => col.notNull())
      .addColumn('user_id', 'text', (col) => col.references('users.id').onDelete('cascade'))
      .addColumn('redirect_uri', 'text', (col) => col.notNull())
      .addColumn('app_state', 'text')
      .addColumn('code_challenge', 'text', (col) => col.notNull())
      .addColumn('nonce', 'text', (col) => col.notNull())
      .addColumn('code_verifier', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('expires_at', 'text', (col) => col.notNull())
      .addColumn('callback_params', 'text')
      .addColumn('exchange_hash', 'text', (col) => col.unique())
      .addColumn('exchange_expires_at', 'text')
      .addColumn('used_at', 'text')
      .execute()
    await db.schema.createIndex('auth_flows_expires_at').on('auth_flows').column('expires_at').execute()

    await db.schema
      .createTable('session_providers')
      .addColumn('session_id', 'text', (col) => col.primaryKey().references('sessions.id').onDelete('cascade'))
      .addColumn('provider', 'text', (col) => col.notNull())
      .execute()
    await db.schema.createIndex('session_providers_provider').on('session_providers').column('provider').execute()
  },
  async down(db: MigrationDb) {
    await db.schema.dropTable('session_providers').execute()
    await db.schema.dropTable('auth_flows').execute()
    await db.schema.dropTable('auth_identities').execute()
  },
}
