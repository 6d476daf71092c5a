// The database's tables as Kysely sees them: one interface per table, each added with its migration.
// Timestamps are stored as RFC 3339 UTC text on both dialects, so they compare and sort the same way.

export interface ServerSecretsTable {
  name: string
  value: string
  created_at: string
}

export interface IdempotencyKeysTable {
  principal_id: string
  key: string
  fingerprint: string
  state: 'running' | 'done'
  status: number | null
  headers: string | null
  body: string | null
  created_at: string
  locked_until: string
  expires_at: string
}

export interface UsersTable {
  id: string
  email: string
  email_normalized: string
  name: string
  password_hash: string
  email_verified_at: string | null
  created_at: string
  updated_at: string
}

export interface SessionsTable {
  id: string
  user_id: string
  device_label: string
  created_at: string
  last_used_at: string
  expires_at: string
  revoked_at: string | null
  revoked_reason: string | null
  grace_parent_hash: string | null
  grace_token: string | null
  rotated_at: string | null
}

export interface RefreshTokensTable {
  token_hash: string
  session_id: string
  created_at: string
  used_at: string | null
}

export interface SessionRevocationsTable {
  session_id: string
  revoked_at: string
}

export interface ApiKeysTable {
  id: string
  user_id: string
  name: string
  prefix: string
  key_hash: string
  /** Space-separated scopes, e.g. "read write". */
  scopes: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

export interface EmailTokensTable {
  token_hash: string
  user_id: string
  purpose: 'verify_email' | 'reset_password'
  email: string
  created_at: string
  expires_at: string
  used_at: string | null
}

export interface Database {
  server_secrets: ServerSecretsTable
  idempotency_keys: IdempotencyKeysTable
  users: UsersTable
  sessions: SessionsTable
  refresh_tokens: RefreshTokensTable
  session_revocations: SessionRevocationsTable
  api_keys: ApiKeysTable
  email_tokens: EmailTokensTable
}
