import type { Migration } from 'kysely'
import { serverSecrets } from './0001-server-secrets.js'
import { accounts } from './0002-accounts.js'
import { idempotencyKeys } from './0010-idempotency-keys.js'
import { projects } from './0011-projects.js'
import { changes } from './0020-changes.js'
import { notifications } from './0030-notifications.js'
import { emailChange } from './0040-email-change.js'
import { jobs } from './0050-jobs.js'
import { webhooks } from './0051-webhooks.js'
import { attachments } from './0060-attachments.js'
import { uploads } from './0061-uploads.js'
import { identities } from './0070-identities.js'
import { reauthentications } from './0071-reauthentications.js'
import { loginClients } from './0080-login-clients.js'
import { idempotencyHolders } from './0090-idempotency-holders.js'
import { notificationWebhooks } from './0091-notification-webhooks.js'
import { changePositions } from './0095-change-positions.js'
import { searchByProject } from './0100-search-by-project.js'
import { signupRequests } from './0110-signup-requests.js'
import { postgresSearchWords } from './0120-postgres-search-words.js'
import { endedSessions } from './0130-ended-sessions.js'
import { searchIndexWrites } from './0140-search-index-writes.js'

/**
 * Every migration, in order. Kysely's Migrator runs them by name; a migration, once released, never
 * changes: add a new one instead.
 */
export const migrations: Record<string, Migration> = {
  '0001-server-secrets': serverSecrets,
  '0002-accounts': accounts,
  '0010-idempotency-keys': idempotencyKeys,
  '0011-projects': projects,
  '0020-changes': changes,
  '0030-notifications': notifications,
  '0040-email-change': emailChange,
  '0050-jobs': jobs,
  '0051-webhooks': webhooks,
  '0060-attachments': attachments,
  '0061-uploads': uploads,
  '0070-identities': identities,
  '0071-reauthentications': reauthentications,
  '0080-login-clients': loginClients,
  '0090-idempotency-holders': idempotencyHolders,
  '0091-notification-webhooks': notificationWebhooks,
  '0095-change-positions': changePositions,
  '0100-search-by-project': searchByProject,
  '0110-signup-requests': signupRequests,
  '0120-postgres-search-words': postgresSearchWords,
  '0130-ended-sessions': endedSessions,
  '0140-search-index-writes': searchIndexWrites,
}
