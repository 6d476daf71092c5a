// The database's tables as Kysely sees them: one interface per table, each added with its migration.
// Timestamps are stored as RFC 3339 UTC text on both dialects, so they compare and sort the same way.

import type { ColumnType, Generated } from 'kysely'

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
  /** The instance (see db/instance-presence.ts) whose request holds a running claim; null on older rows. */
  holder: string | null
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
  /** An email change waiting for its confirmation link to be followed (migration 0040), and until when. */
  pending_email: ColumnType<string | null, string | null | undefined, string | null>
  pending_email_expires_at: ColumnType<string | null, string | null | undefined, string | null>
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
  purpose: 'verify_email' | 'reset_password' | 'change_email'
  email: string
  created_at: string
  expires_at: string
  used_at: string | null
}

/** A sign-up by email waiting for its mailed token (migration 0110): the address has no account yet. */
export interface SignupRequestsTable {
  token_hash: string
  email: string
  email_normalized: string
  created_at: string
  expires_at: string
  used_at: string | null
}

export interface ProjectsTable {
  id: string
  name: string
  description: string | null
  created_at: string
  updated_at: string
  version: number
}

export interface ProjectMembersTable {
  project_id: string
  user_id: string
  role: 'owner' | 'editor' | 'viewer'
  joined_at: string
  /**
   * The seq the member's view of the project's change log starts after: the position before the write that
   * added them. Set by a reaction to `member.added` (reactions.ts); 0 until then.
   */
  joined_after: Generated<number | string>
}

export interface InvitationsTable {
  id: string
  project_id: string
  email: string
  role: 'owner' | 'editor' | 'viewer'
  /** SHA-256 of the emailed token; the token itself is never stored. */
  token_hash: string
  invited_by: string
  created_at: string
  expires_at: string
  accepted_at: string | null
  revoked_at: string | null
}

/** PostgreSQL only: the folded, weighted full-text vector (SQLite keeps an FTS5 table instead). */
type SearchVector = { search_vector?: unknown }

export interface TasksTable extends SearchVector {
  id: string
  project_id: string
  title: string
  description: string | null
  status: 'todo' | 'in_progress' | 'done'
  priority: number
  due_at: string | null
  /** JSON array of labels, for reading; task_labels indexes them for filtering. */
  labels: string
  assignee_id: string | null
  position: number
  completed_at: string | null
  created_by: string
  created_at: string
  updated_at: string
  version: number
}

export interface TaskLabelsTable {
  task_id: string
  project_id: string
  label: string
}

export interface NotesTable extends SearchVector {
  id: string
  project_id: string
  title: string
  body: string
  created_by: string
  created_at: string
  updated_at: string
  version: number
}

export interface CommentsTable {
  id: string
  task_id: string
  project_id: string
  author_id: string
  body: string
  created_at: string
  updated_at: string
  version: number
}

/** The reasons a user can turn channels on and off for. */
export type PreferenceReason = 'assigned' | 'mentioned' | 'commented' | 'invited'
/** Every reason, including those that always notify (a project's webhook endpoint disabled for failing). */
export type NotificationReason = PreferenceReason | 'webhook_disabled'

export interface NotificationsTable {
  id: string
  user_id: string
  reason: NotificationReason
  /** `task:<id>`, `project:<id>` or `webhook:<id>`: one unread thread per recipient, reason and subject. */
  subject: string
  project_id: string
  task_id: string | null
  comment_id: string | null
  invitation_id: string | null
  webhook_id: string | null
  actor_id: string | null
  title: string
  count: number
  created_at: string
  updated_at: string
  read_at: string | null
  /** When the email for this notification becomes due; null once sent, skipped or read. */
  email_due_at: string | null
  emailed_at: string | null
}

export interface NotificationPreferencesTable {
  user_id: string
  reason: PreferenceReason
  /** 0 or 1 (booleans on both dialects). */
  in_app: number
  email: number
}

export interface ChangesTable {
  /**
   * The log's order, a 64-bit integer (read it as text: it may exceed 2^53). SQLite: AUTOINCREMENT;
   * PostgreSQL: derived from the writing transaction's id (see features/changes/changes.repository.ts for
   * why readers never skip one).
   */
  seq: Generated<number | string>
  project_id: string | null
  /** Set: only this user sees the change (their notifications, their own removal from a project). */
  user_id: string | null
  type: string
  resource_type: string
  resource_id: string
  version: number | null
  actor_id: string | null
  /** JSON: the resource as its get operation answers it, or a tombstone `{ id, deleted: true }`. */
  data: string
  created_at: string
}

export interface ChangesRetentionTable {
  id: number
  pruned_through: number | string
}

/** PostgreSQL only: what every seq is counted from (see the 0095 migration). */
export interface ChangesSeqBaseTable {
  id: number
  base: number | string
}

export interface AttachmentsTable {
  id: string
  project_id: string
  /** At most one of task, note and comment is set: what the file is attached to (none: the project). */
  task_id: string | null
  note_id: string | null
  comment_id: string | null
  filename: string
  /** Read from the bytes when stored; what the client claimed is `claimed_type`. */
  content_type: string
  claimed_type: string | null
  size: number
  sha256: string
  /** Made by the server (`att/<id>`), never from a request. */
  storage_key: string
  created_by: string | null
  created_at: string
  updated_at: string
  version: number
}

/** Bytes and files stored per project, kept with each attachment write so the quota check is atomic. */
export interface ProjectStorageTable {
  project_id: string
  used_bytes: number
  file_count: number
  /** The lengths of resumable uploads under way (migration 0061), counted against the quota with used_bytes. */
  reserved_bytes: number
}

/** A resumable (tus) upload under way (migration 0061). */
export interface UploadsTable {
  /** `upl_…`, also the upload's id in the tus store. */
  id: string
  project_id: string
  created_by: string
  /** Upload-Length, reserved against the project's quota until the upload finishes or goes. */
  length: number
  filename: string
  claimed_type: string | null
  task_id: string | null
  note_id: string | null
  comment_id: string | null
  sha256: string | null
  created_at: string
  expires_at: string
}

/** Bytes whose row is gone, to be deleted from storage (see migration 0060). */
export interface AttachmentDeletionsTable {
  attachment_id: string
  storage_key: string
  created_at: string
}

/** The durable job queue (migration 0050; see server/src/queue/queue.ts). */
export interface JobsTable {
  id: string
  kind: string
  /** JSON, as the job's kind defines it. */
  payload: string
  state: 'queued' | 'running' | 'failed'
  /** Attempts started so far, the running one included. */
  attempts: number
  /** Queued: when it may run next. Running: when its lease ends and another worker may take it over. */
  available_at: string
  /** The worker holding the lease, while running. */
  locked_by: string | null
  last_error: string | null
  created_at: string
  updated_at: string
}

/** Webhook endpoints per project (migration 0051). */
export interface WebhookEndpointsTable {
  id: string
  project_id: string
  url: string
  description: string
  /** JSON array of event type patterns. */
  event_types: string
  enabled: number
  disabled_reason: 'failing' | null
  secret: string
  previous_secret: string | null
  previous_secret_expires_at: string | null
  failing_since: string | null
  created_by: string | null
  created_at: string
  updated_at: string
  version: number
}

/** One message to a webhook endpoint and the outcome of its last attempt (migration 0051). */
export interface WebhookDeliveriesTable {
  id: string
  endpoint_id: string
  event_type: string
  /** 64-bit: written and read as text (see `deliveryColumns`), as it may exceed 2^53. */
  change_seq: string | null
  /** The JSON body, fixed when queued so every attempt sends the same bytes. */
  payload: string
  status: 'pending' | 'succeeded' | 'failed'
  attempts: number
  last_attempt_at: string | null
  duration_ms: number | null
  response_status: number | null
  response_body: string | null
  error: string | null
  next_attempt_at: string | null
  created_at: string
}

/** An account's sign-in through an outside identity provider (migration 0070). */
export interface AuthIdentitiesTable {
  id: string
  user_id: string
  provider: string
  subject: string
  email: string | null
  created_at: string
  last_used_at: string
}

/** A provider sign-in between its start and the app's exchange of its one-time code (migration 0070). */
export interface AuthFlowsTable {
  state_hash: string
  provider: string
  intent: 'sign_in' | 'link' | 'reauthenticate'
  user_id: string | null
  redirect_uri: string
  app_state: string | null
  code_challenge: string
  nonce: string
  code_verifier: string
  created_at: string
  expires_at: string
  callback_params: string | null
  exchange_hash: string | null
  exchange_expires_at: string | null
  used_at: string | null
}

/** A single-use proof of a fresh sign-in at a linked provider, for accounts without a password (migration 0071). */
export interface ReauthenticationsTable {
  token_hash: string
  user_id: string
  provider: string
  created_at: string
  expires_at: string
  used_at: string | null
}

/** The identity provider a session was started with (migration 0070); none for a password sign-in. */
export interface SessionProvidersTable {
  session_id: string
  provider: string
}

export interface LoginClientsTable {
  user_id: string
  /** The client's address, as the rate limiter keys it (`ip:…`). */
  client: string
  last_success_at: string
}

export interface Database {
  server_secrets: ServerSecretsTable
  idempotency_keys: IdempotencyKeysTable
  projects: ProjectsTable
  project_members: ProjectMembersTable
  invitations: InvitationsTable
  tasks: TasksTable
  task_labels: TaskLabelsTable
  notes: NotesTable
  comments: CommentsTable
  users: UsersTable
  sessions: SessionsTable
  refresh_tokens: RefreshTokensTable
  session_revocations: SessionRevocationsTable
  api_keys: ApiKeysTable
  email_tokens: EmailTokensTable
  signup_requests: SignupRequestsTable
  auth_identities: AuthIdentitiesTable
  login_clients: LoginClientsTable
  auth_flows: AuthFlowsTable
  session_providers: SessionProvidersTable
  reauthentications: ReauthenticationsTable
  notifications: NotificationsTable
  notification_preferences: NotificationPreferencesTable
  changes: ChangesTable
  changes_retention: ChangesRetentionTable
  changes_seq_base: ChangesSeqBaseTable
  attachments: AttachmentsTable
  project_storage: ProjectStorageTable
  attachment_deletions: AttachmentDeletionsTable
  uploads: UploadsTable
  jobs: JobsTable
  webhook_endpoints: WebhookEndpointsTable
  webhook_deliveries: WebhookDeliveriesTable
}
