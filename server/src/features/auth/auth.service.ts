import type { Logger } from 'pino'
import type { Config } from '../../config.js'
import type { Db } from '../../db/database.js'
import type { ApiKey, AuthResult, Session, User } from '../../generated/routes.js'
import type { Principal, Scope } from '../../http/env.js'
import { ApiError } from '../../http/problem.js'
import type { Cursors } from '../../lib/cursor.js'
import { newId } from '../../lib/ids.js'
import { toInstant } from '../../lib/instant.js'
import type { Mailer } from '../../mail/mailer.js'
import type { ChangeLog, WriteTx } from '../changes/change-log.js'
import * as repo from './auth.repository.js'
import { rememberLoginClient } from './login-clients.repository.js'
import { assertPasswordAllowed, type PasswordHasher } from './passwords.js'
import type { RevocationCache } from './revocations.js'
import { type AccessTokens, hashToken, randomToken, type Sealer } from './tokens.js'

const VERIFY_EMAIL_TTL_MS = 24 * 3600_000
const RESET_PASSWORD_TTL_MS = 30 * 60_000
const CHANGE_EMAIL_TTL_MS = 24 * 3600_000
const API_KEY_TOUCH_MS = 60_000

export interface AuthDeps {
  config: Config
  db: Db
  logger: Logger
  accessTokens: AccessTokens
  revocations: RevocationCache
  sealer: Sealer
  mailer: Mailer
  cursors: Cursors
  /** Account deletion is a write whose effects on projects are recorded (see setAccountDeletionGuard). */
  changeLog: ChangeLog
  hasher: PasswordHasher
}

/**
 * Runs before a mail goes out to `email`, after the request has been authorized; the HTTP layer counts
 * the per-user and per-recipient mail limits there (a throw sends nothing and changes nothing).
 */
export type AdmitMail = (email: string) => Promise<void>

export interface UpdateMeInput {
  name?: string
  email?: string
  currentPassword?: string
}

export interface Page<T> {
  data: T[]
  nextCursor: string | null
}

const iso = (ms = Date.now()) => new Date(ms).toISOString()

const invalidCredentials = () => new ApiError(401, 'invalid_credentials', 'The email or password is incorrect.')
const sessionRevoked = () => new ApiError(401, 'session_revoked', 'This session has ended; sign in again.')
const invalidToken = () => new ApiError(422, 'invalid_token', 'This link is invalid or has expired; request a new one.')
const emailTaken = () => new ApiError(409, 'email_taken', 'An account with this email already exists.')
const invalidPassword = () => new ApiError(422, 'invalid_password', 'The password is incorrect.')

function toUser(row: repo.UserRow, now = iso()): User {
  const pending = row.pending_email && row.pending_email_expires_at && row.pending_email_expires_at > now
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    emailVerified: row.email_verified_at !== null,
    pendingEmail: pending ? row.pending_email : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toApiKey(row: repo.ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes.split(' ') as Scope[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  }
}

/**
 * Accounts, sessions, API keys and the email flows. Every multi-step change runs in one transaction, so a
 * failed request changes nothing; mail goes out only after the change is committed.
 */
/** See `setAccountDeletionGuard`. */
export type AccountDeletionGuard = (tx: WriteTx, userId: string) => Promise<void>

export function createAuthService(deps: AuthDeps) {
  let accountDeletionGuard: AccountDeletionGuard | undefined
  const { config, db, accessTokens, revocations, sealer, mailer, cursors, hasher } = deps
  const kysely = db.kysely
  const publicUrl = (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '')
  const sessionTtlMs = config.SESSION_TTL_S * 1000

  async function issue(
    user: repo.UserRow,
    sessionId: string,
    refreshToken: string,
    issuedAtMs: number,
  ): Promise<AuthResult> {
    const accessToken = await accessTokens.sign(
      { userId: user.id, sessionId, scopes: ['read', 'write'] },
      Math.floor(issuedAtMs / 1000),
    )
    return { user: toUser(user), accessToken, refreshToken, expiresIn: accessTokens.ttlS }
  }

  async function startSession(
    trx: typeof kysely,
    user: repo.UserRow,
    device: string,
  ): Promise<{ id: string; refreshToken: string; now: number }> {
    const now = Date.now()
    const refreshToken = randomToken('rt')
    const session: repo.SessionRow = {
      id: newId('ses'),
      user_id: user.id,
      device_label: device.slice(0, 100),
      created_at: iso(now),
      last_used_at: iso(now),
      expires_at: iso(now + sessionTtlMs),
      revoked_at: null,
      revoked_reason: null,
      grace_parent_hash: null,
      grace_token: null,
      rotated_at: null,
    }
    await repo.insertSession(trx, session, hashToken(refreshToken))
    return { id: session.id, refreshToken, now }
  }

  async function revoke(filter: Parameters<typeof repo.revokeSessions>[1], reason: string, trx = kysely) {
    const ids = await repo.revokeSessions(trx, filter, reason, iso())
    return ids
  }

  async function sendVerification(trx: typeof kysely, user: { id: string; email: string; name: string }) {
    const token = randomToken('vt')
    const now = Date.now()
    await repo.replaceEmailToken(trx, {
      token_hash: hashToken(token),
      user_id: user.id,
      purpose: 'verify_email',
      email: user.email,
      created_at: iso(now),
      expires_at: iso(now + VERIFY_EMAIL_TTL_MS),
      used_at: null,
    })
    return () =>
      mailer.send({
        to: user.email,
        subject: 'Verify your email address for Tasklane',
        text: `Hello ${user.name},\n\nConfirm that this is your email address by opening this link within 24 hours:\n\n${publicUrl}/verify-email?token=${token}\n\nIf you did not sign up for Tasklane, ignore this email.\n`,
      })
  }

  async function userOrRevoked(userId: string): Promise<repo.UserRow> {
    const user = await repo.findUserById(kysely, userId)
    if (!user) throw sessionRevoked()
    return user
  }

  async function checkPassword(user: repo.UserRow, password: string) {
    if (!(await hasher.verify(user.password_hash, password))) throw invalidPassword()
  }

  /**
   * Records `email` as the user's pending address and mails the new address a single-use link that makes
   * it theirs, and the current address a notice. When another account already has the address, the new
   * address is told so instead of getting a link: the caller's answer is the same either way, so the
   * request cannot be used to learn which addresses have accounts.
   */
  async function requestEmailChange(user: repo.UserRow, email: string) {
    const now = Date.now()
    const token = randomToken('ec')
    const { taken } = await kysely.transaction().execute(async (trx) => {
      const taken = await repo.findUserByEmail(trx, email)
      await repo.updateUser(trx, user.id, {
        pending_email: email,
        pending_email_expires_at: iso(now + CHANGE_EMAIL_TTL_MS),
        updated_at: iso(now),
      })
      if (taken) await repo.expireEmailTokens(trx, user.id, 'change_email', iso(now))
      else
        await repo.replaceEmailToken(trx, {
          token_hash: hashToken(token),
          user_id: user.id,
          purpose: 'change_email',
          email,
          created_at: iso(now),
          expires_at: iso(now + CHANGE_EMAIL_TTL_MS),
          used_at: null,
        })
      return { taken }
    })
    mailer.send({
      to: taken?.email ?? email,
      subject: 'Confirm your new email address for Tasklane',
      text: taken
        ? `Hello,\n\nSomeone asked to use this address for a Tasklane account, but another account already uses it, so nothing was changed. If you have forgotten the password of that account, you can reset it from the sign-in page.\n\nIf you did not ask for this, ignore this email.\n`
        : `Hello ${user.name},\n\nTo make this the email address of your Tasklane account, open this link within 24 hours:\n\n${publicUrl}/confirm-email-change?token=${token}\n\nUntil then, your account keeps its current address. If you did not ask for this, ignore this email.\n`,
    })
    mailer.send({
      to: user.email,
      subject: 'Your Tasklane email address is about to change',
      text: `Hello ${user.name},\n\nSomeone signed in to your Tasklane account asked to change its email address to ${email}. The change takes effect only when the link sent to that address is followed.\n\nIf this was not you, change your password now: it ends every other session. Your address stays as it is.\n`,
    })
  }

  const pending = new Set<Promise<void>>()
  function inBackground(what: string, work: () => Promise<void>) {
    const p = work()
      .catch((err) => deps.logger.error({ err }, `${what} failed`))
      .finally(() => pending.delete(p))
    pending.add(p)
  }

  function page<R extends { id: string }, T>(rows: R[], limit: number, list: string, map: (r: R) => T): Page<T> {
    const more = rows.length > limit
    const items = more ? rows.slice(0, limit) : rows
    const last = items.at(-1)
    return { data: items.map(map), nextCursor: more && last ? cursors.encode(list, last.id) : null }
  }

  return {
    async signUp(
      input: { email: string; password: string; name: string },
      device: string,
      from?: { client: string },
    ): Promise<AuthResult> {
      assertPasswordAllowed(input.password)
      const passwordHash = await hasher.hash(input.password, from)
      const now = iso()
      const user: repo.UserRow = {
        id: newId('usr'),
        email: input.email,
        email_normalized: input.email.toLowerCase(),
        name: input.name,
        password_hash: passwordHash,
        email_verified_at: null,
        created_at: now,
        updated_at: now,
        pending_email: null,
        pending_email_expires_at: null,
      }
      try {
        const { session, mail } = await kysely.transaction().execute(async (trx) => {
          if (await repo.findUserByEmail(trx, input.email)) throw emailTaken()
          await repo.insertUser(trx, user)
          const session = await startSession(trx, user, device)
          if (from) await rememberLoginClient(trx, user.id, from.client, now)
          return { session, mail: await sendVerification(trx, user) }
        })
        mail()
        return await issue(user, session.id, session.refreshToken, session.now)
      } catch (err) {
        if (repo.isUniqueViolation(err)) throw emailTaken()
        throw err
      }
    },

    /**
     * Signs in with a password. `from` says who asks (the client's address, and whether it signed in to
     * this account before): it decides the check's place in the hashing queue, and a success makes the
     * client known to the account.
     */
    async logIn(
      input: { email: string; password: string },
      device: string,
      from?: { client: string; known: boolean },
    ): Promise<AuthResult> {
      const user = await repo.findUserByEmail(kysely, input.email)
      const who = from && { client: from.client, account: input.email.toLowerCase(), known: from.known }
      if (!user) {
        await hasher.dummyVerify(who)
        throw invalidCredentials()
      }
      if (!(await hasher.verify(user.password_hash, input.password, who))) throw invalidCredentials()
      const session = await kysely.transaction().execute(async (trx) => {
        const started = await startSession(trx, user, device)
        if (from) await rememberLoginClient(trx, user.id, from.client, iso(started.now))
        return started
      })
      return issue(user, session.id, session.refreshToken, session.now)
    },

    async refreshSession(refreshToken: string): Promise<AuthResult> {
      const tokenHash = hashToken(refreshToken)
      const outcome = await kysely.transaction().execute(async (trx) => {
        const token = await repo.findRefreshToken(trx, tokenHash)
        if (!token) throw new ApiError(401, 'token_invalid', 'The refresh token is not valid.')
        const now = Date.now()
        if (await repo.useRefreshToken(trx, tokenHash, iso(now))) {
          const session = await repo.findSession(trx, token.session_id)
          if (!session || session.revoked_at) throw sessionRevoked()
          if (session.expires_at <= iso(now))
            throw new ApiError(401, 'token_expired', 'The session has expired; sign in again.')
          const next = randomToken('rt')
          await repo.rotateSession(trx, session.id, {
            parentHash: tokenHash,
            newHash: hashToken(next),
            sealedToken: sealer.seal(next),
            now: iso(now),
            expiresAt: iso(now + sessionTtlMs),
          })
          return {
            kind: 'rotated' as const,
            sessionId: session.id,
            userId: session.user_id,
            refreshToken: next,
            issuedAt: now,
          }
        }
        // Already used. Read after the compare-and-set so that a concurrent rotation is visible.
        const session = await repo.findSession(trx, token.session_id)
        if (!session || session.revoked_at) return { kind: 'revoked' as const }
        const rotatedAt = session.rotated_at ? Date.parse(session.rotated_at) : 0
        const inGrace =
          session.grace_parent_hash === tokenHash &&
          session.grace_token &&
          now - rotatedAt <= config.REFRESH_GRACE_S * 1000
        if (inGrace && session.grace_token) {
          return {
            kind: 'rotated' as const,
            sessionId: session.id,
            userId: session.user_id,
            refreshToken: sealer.open(session.grace_token),
            issuedAt: rotatedAt,
          }
        }
        // A used token outside the grace window: someone holds a copy. End the whole session.
        const ids = await repo.revokeSessions(
          trx,
          { userId: session.user_id, sessionIds: [session.id] },
          'refresh_token_reused',
          iso(now),
        )
        deps.logger.warn({ sessionId: session.id, userId: session.user_id }, 'refresh token reused; session revoked')
        return { kind: 'reused' as const, ids }
      })
      if (outcome.kind === 'reused') revocations.add(outcome.ids)
      if (outcome.kind !== 'rotated') throw sessionRevoked()
      const user = await userOrRevoked(outcome.userId)
      return issue(user, outcome.sessionId, outcome.refreshToken, outcome.issuedAt)
    },

    async logOut(principal: Principal & { sessionId: string }): Promise<void> {
      revocations.add(await revoke({ userId: principal.userId, sessionIds: [principal.sessionId] }, 'logout'))
    },

    /**
     * Whether a session or API key was revoked lately, as far as this instance knows (at once for its own
     * revocations, within REVOCATION_POLL_MS for other instances'); no database round trip.
     */
    isRevoked: (credentialId: string): boolean => revocations.isRevoked(credentialId),

    /** Resolves a bearer credential (access token or API key) to the principal; throws 401 problems. */
    async authenticate(bearer: string): Promise<Principal> {
      if (bearer.startsWith('tl_')) {
        const key = await repo.findApiKeyByHash(kysely, hashToken(bearer))
        if (!key) throw new ApiError(401, 'token_invalid', 'The API key is not valid.')
        if (key.revoked_at) throw new ApiError(401, 'api_key_revoked', 'This API key has been revoked.')
        const now = Date.now()
        if (key.expires_at && key.expires_at <= iso(now))
          throw new ApiError(401, 'token_expired', 'This API key has expired.')
        if (!key.last_used_at || Date.parse(key.last_used_at) < now - API_KEY_TOUCH_MS) {
          await repo.touchApiKey(kysely, key.id, iso(now))
        }
        return {
          userId: key.user_id,
          apiKeyId: key.id,
          scopes: key.scopes.split(' ') as Scope[],
          ...(key.expires_at ? { expiresAt: Date.parse(key.expires_at) } : {}),
        }
      }
      const claims = await accessTokens.verify(bearer)
      if (revocations.isRevoked(claims.sessionId)) throw sessionRevoked()
      return { userId: claims.userId, sessionId: claims.sessionId, scopes: claims.scopes, expiresAt: claims.expiresAt }
    },

    async getMe(userId: string): Promise<User> {
      return toUser(await userOrRevoked(userId))
    },

    /**
     * Changes the name at once. A new email address needs the current password and takes effect only
     * when the link mailed to it is followed (`confirmEmailChange`); until then it is `pendingEmail`.
     * Sending the current address again cancels a pending change.
     */
    async updateMe(userId: string, changes: UpdateMeInput, admit: AdmitMail): Promise<User> {
      const user = await userOrRevoked(userId)
      const email = changes.email
      const newAddress = email !== undefined && email.toLowerCase() !== user.email_normalized
      if (newAddress) {
        if (changes.currentPassword === undefined) {
          throw new ApiError(400, 'validation_failed', 'Changing the email address needs the current password.', {
            title: 'Validation failed',
            errors: [{ path: '/body/currentPassword', message: 'Required to change the email', code: 'invalid_type' }],
          })
        }
        await checkPassword(user, changes.currentPassword)
        await admit(email.toLowerCase())
      }
      const now = iso()
      await kysely.transaction().execute(async (trx) => {
        await repo.updateUser(trx, userId, {
          ...(changes.name !== undefined ? { name: changes.name } : {}),
          // The same address again (in any case) keeps it, with that spelling, and cancels a pending change.
          ...(email !== undefined && !newAddress ? { email, pending_email: null, pending_email_expires_at: null } : {}),
          updated_at: now,
        })
        if (email !== undefined && !newAddress) await repo.expireEmailTokens(trx, userId, 'change_email', now)
      })
      if (newAddress) await requestEmailChange(await userOrRevoked(userId), email)
      return toUser(await userOrRevoked(userId))
    },

    /** Makes a pending email address the account's, with the token mailed to it; tells the old address. */
    async confirmEmailChange(token: string): Promise<void> {
      const now = iso()
      try {
        const { user, email } = await kysely.transaction().execute(async (trx) => {
          const row = await repo.consumeEmailToken(trx, hashToken(token), 'change_email', now)
          const user = row && (await repo.findUserById(trx, row.user_id))
          // Only the latest request counts: a cancelled or replaced change leaves its link dead.
          if (!row || !user || user.pending_email?.toLowerCase() !== row.email.toLowerCase()) throw invalidToken()
          const other = await repo.findUserByEmail(trx, row.email)
          if (other && other.id !== user.id) throw emailTaken()
          // Following the link proves the user reads the new address: it is verified.
          await repo.updateUser(trx, user.id, {
            email: row.email,
            email_verified_at: now,
            pending_email: null,
            pending_email_expires_at: null,
            updated_at: now,
          })
          return { user, email: row.email }
        })
        mailer.send({
          to: user.email,
          subject: 'Your Tasklane email address was changed',
          text: `Hello ${user.name},\n\nThe email address of your Tasklane account is now ${email}; mail about it no longer comes to this address.\n\nIf this was not you, reset your password from the sign-in page using the new address, or contact the operator of this server.\n`,
        })
      } catch (err) {
        if (repo.isUniqueViolation(err)) throw emailTaken()
        throw err
      }
    },

    /**
     * Lets another feature check or clean up a user's data inside the account-deletion transaction (a
     * throw refuses the deletion and changes nothing). Set once, by the app.
     */
    setAccountDeletionGuard(guard: AccountDeletionGuard): void {
      accountDeletionGuard = guard
    },

    async deleteMe(userId: string, password: string): Promise<void> {
      const user = await userOrRevoked(userId)
      await checkPassword(user, password)
      // Through the change log: what goes with the account (projects, memberships) is recorded with it.
      const ids = await deps.changeLog.write(async (tx) => {
        await accountDeletionGuard?.(tx, userId)
        // Logged before the cascade removes the sessions, so every instance drops their access tokens.
        const ids = await repo.revokeSessions(tx.db, { userId }, 'account_deleted', iso())
        await repo.deleteUser(tx.db, userId)
        return ids
      })
      revocations.add(ids)
    },

    /**
     * Sets a new password and ends every other session. API keys are revoked too unless `keepApiKeys`:
     * a password change is often a reaction to a leak, and keys made by whoever had the password would
     * otherwise outlive it.
     */
    async changePassword(
      principal: Principal & { sessionId: string },
      current: string,
      next: string,
      keepApiKeys = false,
    ): Promise<void> {
      const user = await userOrRevoked(principal.userId)
      await checkPassword(user, current)
      assertPasswordAllowed(next)
      const passwordHash = await hasher.hash(next)
      const ids = await kysely.transaction().execute(async (trx) => {
        const now = iso()
        await repo.updateUser(trx, user.id, { password_hash: passwordHash, updated_at: now })
        const keys = keepApiKeys ? [] : await repo.revokeApiKeysOfUser(trx, user.id, now)
        const sessions = await repo.revokeSessions(
          trx,
          { userId: user.id, except: principal.sessionId },
          'password_changed',
          now,
        )
        return [...sessions, ...keys]
      })
      revocations.add(ids)
    },

    async requestEmailVerification(userId: string, admit: AdmitMail): Promise<void> {
      const user = await userOrRevoked(userId)
      if (user.email_verified_at) {
        throw new ApiError(409, 'email_already_verified', 'This email address is already verified.')
      }
      await admit(user.email_normalized)
      const mail = await kysely.transaction().execute((trx) => sendVerification(trx, user))
      mail()
    },

    async verifyEmail(token: string): Promise<void> {
      await kysely.transaction().execute(async (trx) => {
        const row = await repo.consumeEmailToken(trx, hashToken(token), 'verify_email', iso())
        const user = row && (await repo.findUserById(trx, row.user_id))
        // A token for an address the user has since changed verifies nothing.
        if (!row || !user || user.email_normalized !== row.email.toLowerCase()) throw invalidToken()
        await repo.updateUser(trx, user.id, { email_verified_at: iso(), updated_at: iso() })
      })
    },

    /**
     * Answers at once and does the work in the background, so that neither the answer nor its timing
     * tells whether an account has this email.
     */
    requestPasswordReset(email: string): void {
      inBackground('password reset request', async () => {
        const user = await repo.findUserByEmail(kysely, email)
        if (!user) return
        const token = randomToken('pr')
        const now = Date.now()
        await kysely.transaction().execute((trx) =>
          repo.replaceEmailToken(trx, {
            token_hash: hashToken(token),
            user_id: user.id,
            purpose: 'reset_password',
            email: user.email,
            created_at: iso(now),
            expires_at: iso(now + RESET_PASSWORD_TTL_MS),
            used_at: null,
          }),
        )
        mailer.send({
          to: user.email,
          subject: 'Reset your Tasklane password',
          text: `Hello ${user.name},\n\nSomeone asked to reset the password of your Tasklane account. To choose a new password, open this link within 30 minutes:\n\n${publicUrl}/reset-password?token=${token}\n\nIf it was not you, ignore this email; your password stays as it is.\n`,
        })
      })
    },

    /** Resolves once background work started so far (and the mail it sends) has finished. */
    async idle(): Promise<void> {
      await Promise.all([...pending])
      await mailer.idle()
    },

    /**
     * Sets a new password with a reset token, ending every session and revoking every API key: a reset is
     * how an account is taken back, and nothing the previous password holder made may outlive it.
     */
    async resetPassword(token: string, newPassword: string): Promise<void> {
      const tokenHash = hashToken(token)
      // The token is checked before the (costly) hashing, so that bogus tokens cost next to nothing; it is
      // used up in the transaction below, which fails if a concurrent request used it first.
      if (!(await repo.findLiveEmailToken(kysely, tokenHash, 'reset_password', iso()))) throw invalidToken()
      assertPasswordAllowed(newPassword)
      const passwordHash = await hasher.hash(newPassword)
      const ids = await kysely.transaction().execute(async (trx) => {
        const row = await repo.consumeEmailToken(trx, tokenHash, 'reset_password', iso())
        const user = row && (await repo.findUserById(trx, row.user_id))
        if (!row || !user) throw invalidToken()
        const now = iso()
        const verified =
          user.email_normalized === row.email.toLowerCase() ? { email_verified_at: user.email_verified_at ?? now } : {}
        await repo.updateUser(trx, user.id, { password_hash: passwordHash, updated_at: now, ...verified })
        const keys = await repo.revokeApiKeysOfUser(trx, user.id, now)
        return [...(await repo.revokeSessions(trx, { userId: user.id }, 'password_reset', now)), ...keys]
      })
      revocations.add(ids)
    },

    async listSessions(
      principal: Principal & { sessionId: string },
      limit: number,
      cursor?: string,
    ): Promise<Page<Session>> {
      const list = `sessions:${principal.userId}`
      const before = cursors.decode(list, cursor)
      const rows = await repo.listSessions(kysely, principal.userId, iso(), limit + 1, before)
      return page(rows, limit, list, (r) => ({
        id: r.id,
        deviceLabel: r.device_label,
        createdAt: r.created_at,
        lastUsedAt: r.last_used_at,
        expiresAt: r.expires_at,
        current: r.id === principal.sessionId,
      }))
    },

    async revokeSession(userId: string, sessionId: string): Promise<void> {
      const ids = await revoke({ userId, sessionIds: [sessionId] }, 'revoked_by_user')
      if (ids.length === 0) throw new ApiError(404, 'not_found', 'No active session with this id.')
      revocations.add(ids)
    },

    async createApiKey(userId: string, input: { name: string; scopes: Scope[]; expiresAt?: string }) {
      const now = Date.now()
      const expiresAt = input.expiresAt && toInstant(input.expiresAt)
      if (expiresAt && Date.parse(expiresAt) <= now) {
        throw new ApiError(400, 'validation_failed', 'expiresAt must be in the future.', {
          title: 'Validation failed',
          errors: [{ path: '/body/expiresAt', message: 'Must be in the future', code: 'too_small' }],
        })
      }
      const key = randomToken('tl')
      const row: repo.ApiKeyRow = {
        id: newId('key'),
        user_id: userId,
        name: input.name,
        prefix: key.slice(0, 8),
        key_hash: hashToken(key),
        // `write` implies `read`: a key that may change data may also read it.
        scopes: (['read', 'write'] as const)
          .filter((s) => input.scopes.includes(s) || (s === 'read' && input.scopes.includes('write')))
          .join(' '),
        created_at: iso(now),
        expires_at: expiresAt || null,
        last_used_at: null,
        revoked_at: null,
      }
      await repo.insertApiKey(kysely, row)
      return { ...toApiKey(row), key }
    },

    async listApiKeys(userId: string, limit: number, cursor?: string): Promise<Page<ApiKey>> {
      const list = `api-keys:${userId}`
      const rows = await repo.listApiKeys(kysely, userId, limit + 1, cursors.decode(list, cursor))
      return page(rows, limit, list, toApiKey)
    },

    async revokeApiKey(userId: string, apiKeyId: string): Promise<void> {
      const revoked = await kysely.transaction().execute((trx) => repo.revokeApiKey(trx, userId, apiKeyId, iso()))
      if (!revoked) throw new ApiError(404, 'not_found', 'No API key with this id.')
      revocations.add([apiKeyId])
    },
  }
}

export type AuthService = ReturnType<typeof createAuthService>
