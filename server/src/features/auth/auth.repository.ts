import type { Kysely, Selectable } from 'kysely'
import type { ApiKeysTable, Database, EmailTokensTable, SessionsTable, UsersTable } from '../../db/schema.js'

type Db = Kysely<Database>
export type UserRow = Selectable<UsersTable>
export type SessionRow = Selectable<SessionsTable>
export type ApiKeyRow = Selectable<ApiKeysTable>
export type EmailTokenRow = Selectable<EmailTokensTable>

/** Whether an error is a unique-constraint violation, on SQLite or PostgreSQL. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

// Users

export const findUserById = (db: Db, id: string) =>
  db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()

export const findUserByEmail = (db: Db, email: string) =>
  db.selectFrom('users').selectAll().where('email_normalized', '=', email.toLowerCase()).executeTakeFirst()

export async function insertUser(db: Db, user: Omit<UserRow, 'email_normalized'>): Promise<void> {
  await db
    .insertInto('users')
    .values({ ...user, email_normalized: user.email.toLowerCase() })
    .execute()
}

export async function updateUser(
  db: Db,
  id: string,
  changes: Partial<
    Pick<
      UserRow,
      | 'name'
      | 'email'
      | 'password_hash'
      | 'email_verified_at'
      | 'updated_at'
      | 'pending_email'
      | 'pending_email_expires_at'
    >
  >,
): Promise<void> {
  const values = changes.email ? { ...changes, email_normalized: changes.email.toLowerCase() } : changes
  await db.updateTable('users').set(values).where('id', '=', id).execute()
}

export async function deleteUser(db: Db, id: string): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute()
}

// Sessions and refresh tokens

export async function insertSession(db: Db, session: SessionRow, refreshHash: string): Promise<void> {
  await db.insertInto('sessions').values(session).execute()
  await db
    .insertInto('refresh_tokens')
    .values({ token_hash: refreshHash, session_id: session.id, created_at: session.created_at, used_at: null })
    .execute()
}

export const findSession = (db: Db, id: string) =>
  db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst()

export const findRefreshToken = (db: Db, tokenHash: string) =>
  db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()

/**
 * Marks a refresh token used if it was not; false when another request used it first (the compare-and-set
 * that makes concurrent refreshes of one token rotate it once).
 */
export async function useRefreshToken(db: Db, tokenHash: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable('refresh_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function rotateSession(
  db: Db,
  sessionId: string,
  rotation: { parentHash: string; newHash: string; sealedToken: string; now: string; expiresAt: string },
): Promise<void> {
  await db
    .insertInto('refresh_tokens')
    .values({ token_hash: rotation.newHash, session_id: sessionId, created_at: rotation.now, used_at: null })
    .execute()
  await db
    .updateTable('sessions')
    .set({
      last_used_at: rotation.now,
      expires_at: rotation.expiresAt,
      grace_parent_hash: rotation.parentHash,
      grace_token: rotation.sealedToken,
      rotated_at: rotation.now,
    })
    .where('id', '=', sessionId)
    .execute()
}

/** Revokes sessions (all live ones of a user, minus `except`, or the listed ids) and logs them for other instances. */
export async function revokeSessions(
  db: Db,
  filter: { userId: string; sessionIds?: readonly string[]; except?: string },
  reason: string,
  now: string,
): Promise<string[]> {
  let query = db
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', filter.userId)
    .where('revoked_at', 'is', null)
  if (filter.sessionIds) query = query.where('id', 'in', filter.sessionIds.length ? filter.sessionIds : [''])
  if (filter.except) query = query.where('id', '!=', filter.except)
  const ids = (await query.execute()).map((r) => r.id)
  if (ids.length === 0) return []
  await db
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: reason, grace_token: null })
    .where('id', 'in', ids)
    .execute()
  await db
    .insertInto('session_revocations')
    .values(ids.map((id) => ({ session_id: id, revoked_at: now })))
    .execute()
  return ids
}

export async function listSessions(db: Db, userId: string, now: string, limit: number, before?: string) {
  let query = db
    .selectFrom('sessions')
    .select(['id', 'device_label', 'created_at', 'last_used_at', 'expires_at'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
  if (before) query = query.where('id', '<', before)
  return query.orderBy('id', 'desc').limit(limit).execute()
}

export const listRevocationsSince = (db: Db, since: string) =>
  db.selectFrom('session_revocations').select(['session_id', 'revoked_at']).where('revoked_at', '>=', since).execute()

export async function pruneRevocations(db: Db, before: string): Promise<void> {
  await db.deleteFrom('session_revocations').where('revoked_at', '<', before).execute()
}

// API keys

export async function insertApiKey(db: Db, key: ApiKeyRow): Promise<void> {
  await db.insertInto('api_keys').values(key).execute()
}

export const findApiKeyByHash = (db: Db, keyHash: string) =>
  db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst()

export async function touchApiKey(db: Db, id: string, now: string): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute()
}

export async function listApiKeys(db: Db, userId: string, limit: number, before?: string) {
  let query = db.selectFrom('api_keys').selectAll().where('user_id', '=', userId).where('revoked_at', 'is', null)
  if (before) query = query.where('id', '<', before)
  return query.orderBy('id', 'desc').limit(limit).execute()
}

/**
 * Revokes every live API key of a user and logs them for other instances, as sessions are (see
 * RevocationCache), so that their open event streams end within a poll; returns their ids.
 */
export async function revokeApiKeysOfUser(db: Db, userId: string, now: string): Promise<string[]> {
  const ids = (
    await db.selectFrom('api_keys').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null).execute()
  ).map((r) => r.id)
  if (ids.length === 0) return []
  await db.updateTable('api_keys').set({ revoked_at: now }).where('id', 'in', ids).execute()
  await db
    .insertInto('session_revocations')
    .values(ids.map((id) => ({ session_id: id, revoked_at: now })))
    .execute()
  return ids
}

/** Revokes one live API key of the user and logs it for other instances; whether there was one. */
export async function revokeApiKey(db: Db, userId: string, id: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) return false
  await db.insertInto('session_revocations').values({ session_id: id, revoked_at: now }).execute()
  return true
}

// Email tokens

/** Stores a new email token and invalidates the user's earlier ones of the same purpose. */
export async function replaceEmailToken(db: Db, token: EmailTokenRow): Promise<void> {
  await db
    .updateTable('email_tokens')
    .set({ used_at: token.created_at })
    .where('user_id', '=', token.user_id)
    .where('purpose', '=', token.purpose)
    .where('used_at', 'is', null)
    .execute()
  await db.insertInto('email_tokens').values(token).execute()
}

/** A live (unused, unexpired) email token of this purpose, without using it up. */
export const findLiveEmailToken = (db: Db, tokenHash: string, purpose: EmailTokenRow['purpose'], now: string) =>
  db
    .selectFrom('email_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst()

/** Invalidates a user's live email tokens of one purpose (e.g. when a pending change is cancelled). */
export async function expireEmailTokens(db: Db, userId: string, purpose: EmailTokenRow['purpose'], now: string) {
  await db
    .updateTable('email_tokens')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .execute()
}

/** Uses up a live email token; returns it, or undefined when unknown, used, expired or of another purpose. */
export async function consumeEmailToken(
  db: Db,
  tokenHash: string,
  purpose: EmailTokenRow['purpose'],
  now: string,
): Promise<EmailTokenRow | undefined> {
  const row = await db
    .selectFrom('email_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .executeTakeFirst()
  if (!row || row.used_at !== null || row.expires_at <= now) return undefined
  const result = await db
    .updateTable('email_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1 ? row : undefined
}
