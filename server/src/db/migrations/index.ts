import type { Migration } from 'kysely'
import { serverSecrets } from './0001-server-secrets.js'
import { accounts } from './0002-accounts.js'

/**
 * Every migration, in order. Kysely's Migrator runs them by name; a migration, once released, never
 * changes: add a new one instead.
 */
export const migrations: Record<string, Migration> = {
  '0001-server-secrets': serverSecrets,
  '0002-accounts': accounts,
}
