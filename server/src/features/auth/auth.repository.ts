import { type Kysely, type Selectable, sql } from 'kysely'
import type { Dialect } from '../../db/database.js'
import { type KeysetSort, keyset, toPage } from '../../db/keyset.js'
import type {
  ApiKeysTable,
  Database,
  EmailTokensTable,
  SessionsTable,
  SignupRequestsTable,
  UsersTable,
} from '../../db/schema.js'
import { assertTransaction } from '../../db/transaction.js'
import type { CursorPosition } from '../../lib/cursor.js'

type Db = Kysely<Database>

/** Sessions and API keys are listed newest first by id alone (ids are time-sortable). */
const NEWEST_FIRST: KeysetSort = { key: 'id', id: 'id', direction: 'desc' }
export type UserRow = Selectable<UsersTable>
export type SessionRow = Selectable<SessionsTable>
export type ApiKeyRow = Selectable<ApiKeysTable>
export type EmailTokenRow = Selectable<EmailTokensTable>
export type SignupRequestRow = Selectable<SignupRequestsTable>

/** Whether an error is a unique-constraint violation, on SQLite or PostgreSQL. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

/** PostgreSQL advisory lock namespace for email tokens, one lock per user and purpose (see `replaceEmailToken`). */
const EMAIL_TOKEN_LOCK_NAMESPACE = 0x7a5c0e1

/** Accounts: users and the single-use email tokens of their flows (verification, reset, email change). */
export function accountsRepository(db: Db, dialect: Dialect) {
  return {
    findUserById: (id: string) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),

    findUserByEmail: (email: string) =>
      db.selectFrom('users').selectAll().where('email_normalized', '=', email.toLowerCase()).executeTakeFirst(),

    async insertUser(user: Omit<UserRow, 'email_normalized'>): Promise<void> {
      assertTransaction(db)
      await db
        .insertInto('users')
        .values({ ...user, email_normalized: user.email.toLowerCase() })
        .execute()
    },

    async updateUser(
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
      assertTransaction(db)
      const values = changes.email ? { ...changes, email_normalized: changes.email.toLowerCase() } : changes
      await db.updateTable('users').set(values).where('id', '=', id).execute()
    },

    async deleteUser(id: string): Promise<void> {
      assertTransaction(db)
      await db.deleteFrom('users').where('id', '=', id).execute()
    },

    /** Stores a new email token and invalidates the user's earlier ones of the same purpose. */
    async replaceEmailToken(token: EmailTokenRow): Promise<void> {
      assertTransaction(db)
      // Requests of one user that run side by side on PostgreSQL would each end only the tokens committed
      // before they began, not each other's, and each add one: several live links. They take their turn, as
      // sign-up requests for one address do. SQLite's one writer already orders them.
      if (dialect === 'postgres') {
        const key = `${token.user_id}:${token.purpose}`
        await sql`select pg_advisory_xact_lock(${sql.lit(EMAIL_TOKEN_LOCK_NAMESPACE)}, hashtext(${key}))`.execute(db)
      }
      await db
        .updateTable('email_tokens')
        .set({ used_at: token.created_at })
        .where('user_id', '=', token.user_id)
        .where('purpose', '=', token.purpose)
        .where('used_at', 'is', null)
        .execute()
      await db.insertInto('email_tokens').values(token).execute()
    },

    /** A live (unused, unexpired) email token of this purpose, without using it up. */
    findLiveEmailToken: (tokenHash: string, purpose: EmailTokenRow['purpose'], now: string) =>
      db
        .selectFrom('email_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst(),

    /** Invalidates a user's live email tokens of one purpose (e.g. when a pending change is cancelled). */
    async expireEmailTokens(userId: string, purpose: EmailTokenRow['purpose'], now: string) {
      assertTransaction(db)
      await db
        .updateTable('email_tokens')
        .set({ used_at: now })
        .where('user_id', '=', userId)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .execute()
    },

    /**
     * Deletes email tokens that can no longer be used (used, or expired by `now`): a link to one answers
     * `invalid_token` whether its row is there or not.
     */
    async pruneEmailTokens(now: string): Promise<void> {
      assertTransaction(db)
      await db
        .deleteFrom('email_tokens')
        .where((eb) => eb.or([eb('used_at', 'is not', null), eb('expires_at', '<=', now)]))
        .execute()
    },

    /** Uses up a live email token; returns it, or undefined when unknown, used, expired or of another purpose. */
    async consumeEmailToken(
      tokenHash: string,
      purpose: EmailTokenRow['purpose'],
      now: string,
    ): Promise<EmailTokenRow | undefined> {
      assertTransaction(db)
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
    },
  }
}

/** PostgreSQL advisory lock namespace for sign-up requests, one lock per address (see `replace`). */
const SIGNUP_LOCK_NAMESPACE = 0x7a5c0e0

/** Sign-ups by email waiting for their mailed token: there is no user yet, so they are kept by address. */
export function signupRequestsRepository(db: Db, dialect: Dialect) {
  return {
    /** Stores a new sign-up token for an address and ends the live ones sent to it before. */
    async replace(request: Omit<SignupRequestRow, 'email_normalized'>): Promise<void> {
      assertTransaction(db)
      const email_normalized = request.email.toLowerCase()
      // There is no row to lock before the first request: on PostgreSQL, requests for one address that run
      // side by side would each find no live link and each add one. SQLite's one writer already orders them.
      if (dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(${sql.lit(SIGNUP_LOCK_NAMESPACE)}, hashtext(${email_normalized}))`.execute(
          db,
        )
      }
      await db
        .updateTable('signup_requests')
        .set({ used_at: request.created_at })
        .where('email_normalized', '=', email_normalized)
        .where('used_at', 'is', null)
        .execute()
      await db
        .insertInto('signup_requests')
        .values({ ...request, email_normalized })
        .execute()
    },

    /** A live (unused, unexpired) sign-up token, without using it up. */
    findLive: (tokenHash: string, now: string) =>
      db
        .selectFrom('signup_requests')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst(),

    /**
     * Deletes sign-up requests that can no longer be used (used, or expired by `now`): the link of one
     * answers `invalid_token` whether its row is there or not, and a newer request for the address needs
     * only the live ones.
     */
    async prune(now: string): Promise<void> {
      assertTransaction(db)
      await db
        .deleteFrom('signup_requests')
        .where((eb) => eb.or([eb('used_at', 'is not', null), eb('expires_at', '<=', now)]))
        .execute()
    },

    /** Uses up a live sign-up token; returns it, or undefined when unknown, used or expired. */
    async consume(tokenHash: string, now: string): Promise<SignupRequestRow | undefined> {
      assertTransaction(db)
      const row = await db
        .selectFrom('signup_requests')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst()
      if (!row || row.used_at !== null || row.expires_at <= now) return undefined
      const result = await db
        .updateTable('signup_requests')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1 ? row : undefined
    },
  }
}

/** Sessions, their refresh tokens, and the log of revocations other instances read. */
export function sessionsRepository(db: Db) {
  return {
    async insertSession(session: SessionRow, refreshHash: string): Promise<void> {
      assertTransaction(db)
      await db.insertInto('sessions').values(session).execute()
      await db
        .insertInto('refresh_tokens')
        .values({ token_hash: refreshHash, session_id: session.id, created_at: session.created_at, used_at: null })
        .execute()
    },

    findSession: (id: string) => db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst(),

    findRefreshToken: (tokenHash: string) =>
      db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),

    /**
     * Marks a refresh token used if it was not; false when another request used it first (the compare-and-set
     * that makes concurrent refreshes of one token rotate it once).
     */
    async useRefreshToken(tokenHash: string, now: string): Promise<boolean> {
      assertTransaction(db)
      const result = await db
        .updateTable('refresh_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async rotateSession(
      sessionId: string,
      rotation: { parentHash: string; newHash: string; sealedToken: string; now: string; expiresAt: string },
    ): Promise<void> {
      assertTransaction(db)
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
    },

    /** Revokes sessions (all live ones of a user, minus `except`, or the listed ids) and logs them for other instances. */
    async revokeSessions(
      filter: { userId: string; sessionIds?: readonly string[]; except?: string },
      reason: string,
      now: string,
    ): Promise<string[]> {
      assertTransaction(db)
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
    },

    /** A user's live sessions, newest first (ids grow with time). */
    async listSessions(userId: string, now: string, after: CursorPosition | undefined, limit: number) {
      const query = db
        .selectFrom('sessions')
        .select(['id', 'device_label', 'created_at', 'last_used_at', 'expires_at'])
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
      const rows = await keyset(query, NEWEST_FIRST, after, limit).execute()
      return toPage(rows, limit, (r) => [r.id, r.id])
    },

    listRevocationsSince: (since: string) =>
      db
        .selectFrom('session_revocations')
        .select(['session_id', 'revoked_at'])
        .where('revoked_at', '>=', since)
        .execute(),

    async pruneRevocations(before: string): Promise<void> {
      assertTransaction(db)
      await db.deleteFrom('session_revocations').where('revoked_at', '<', before).execute()
    },

    /**
     * Deletes the sessions that ended (were revoked, or expired) before `before`, and with them (by their
     * foreign keys) their refresh tokens and sign-in provider.
     */
    async pruneEndedSessions(before: string): Promise<void> {
      assertTransaction(db)
      await db.deleteFrom('sessions').where('revoked_at', '<', before).execute()
      await db.deleteFrom('sessions').where('expires_at', '<', before).execute()
    },
  }
}

/** API keys, stored hashed. */
export function apiKeysRepository(db: Db) {
  return {
    async insertApiKey(key: ApiKeyRow): Promise<void> {
      assertTransaction(db)
      await db.insertInto('api_keys').values(key).execute()
    },

    findApiKeyByHash: (keyHash: string) =>
      db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst(),

    async touchApiKey(id: string, now: string): Promise<void> {
      assertTransaction(db)
      await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute()
    },

    /** A user's live API keys, newest first. */
    async listApiKeys(userId: string, after: CursorPosition | undefined, limit: number) {
      const query = db.selectFrom('api_keys').selectAll().where('user_id', '=', userId).where('revoked_at', 'is', null)
      const rows = await keyset(query, NEWEST_FIRST, after, limit).execute()
      return toPage(rows, limit, (r) => [r.id, r.id])
    },

    /**
     * Revokes every live API key of a user and logs them for other instances, as sessions are (see
     * RevocationCache), so that their open event streams end within a poll; returns their ids.
     */
    async revokeApiKeysOfUser(userId: string, now: string): Promise<string[]> {
      assertTransaction(db)
      const ids = (
        await db
          .selectFrom('api_keys')
          .select('id')
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .execute()
      ).map((r) => r.id)
      if (ids.length === 0) return []
      await db.updateTable('api_keys').set({ revoked_at: now }).where('id', 'in', ids).execute()
      await db
        .insertInto('session_revocations')
        .values(ids.map((id) => ({ session_id: id, revoked_at: now })))
        .execute()
      return ids
    },

    async revokeApiKey(userId: string, id: string, now: string): Promise<boolean> {
      assertTransaction(db)
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) !== 1) return false
      // Logged for other instances, as session revocations are, so its open streams end within a poll.
      await db.insertInto('session_revocations').values({ session_id: id, revoked_at: now }).execute()
      return true
    },
  }
}
