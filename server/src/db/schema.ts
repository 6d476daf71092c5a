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

export interface Database {
  server_secrets: ServerSecretsTable
  idempotency_keys: IdempotencyKeysTable
}
