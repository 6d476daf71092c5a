import type { Logger } from 'pino'
import type { Config } from '../../config.js'
import { ApiError } from '../../core/api-error.js'
import type { AuthResult, User } from '../../generated/routes.js'
import type { CursorCodec } from '../../lib/cursor.js'
import type { Mailer } from '../../mail/mailer.js'
import type { Repositories } from '../../write/repositories.js'
import type { Writer, WriteTx } from '../../write/writer.js'
import type { UserRow } from './auth.repository.js'
import type { PasswordHasher } from './passwords.js'
import type { RevocationCache } from './revocations.js'
import type { AccessTokens, Sealer } from './tokens.js'

/**
 * Lets other features check or clean up a user's data inside the account-deletion transaction (a throw
 * refuses the deletion and changes nothing). Given at construction by the composition root.
 */
export type AccountDeletionGuard = (tx: WriteTx, userId: string) => Promise<void>

/**
 * Runs before a mail goes out to `email`, after the request has been authorized; the HTTP layer counts
 * the per-user and per-recipient mail limits there (a throw sends nothing and changes nothing).
 */
export type AdmitMail = (email: string) => Promise<void>

export interface AuthDeps {
  config: Config
  /** The repositories on the root connection, for reads. */
  repositories: Repositories
  /** Auth's writes record no change (nothing in them is visible to other users), except account deletion. */
  writer: Writer
  /** Checks or cleans up a user's data in other features inside the account-deletion write. */
  accountDeletionGuard: AccountDeletionGuard
  logger: Logger
  accessTokens: AccessTokens
  revocations: RevocationCache
  sealer: Sealer
  mailer: Mailer
  cursors: CursorCodec
  hasher: PasswordHasher
}

export const iso = (ms = Date.now()) => new Date(ms).toISOString()

export const publicUrlOf = (config: Config) =>
  (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '')

export const invalidCredentials = () => new ApiError(401, 'invalid_credentials', 'The email or password is incorrect.')
export const sessionRevoked = () => new ApiError(401, 'session_revoked', 'This session has ended; sign in again.')
export const invalidToken = () =>
  new ApiError(422, 'invalid_token', 'This link is invalid or has expired; request a new one.')
export const emailTaken = () => new ApiError(409, 'email_taken', 'An account with this email already exists.')
const invalidPassword = () => new ApiError(422, 'invalid_password', 'The password is incorrect.')

export function toUser(row: UserRow, now = iso()): User {
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

/** What the flows share: the signed-in user as stored, the password check, and issuing tokens. */
export function authCommon({ repositories, hasher, accessTokens }: AuthDeps) {
  return {
    /** The user behind a credential; a user deleted meanwhile ends the session (401 `session_revoked`). */
    async userOrRevoked(userId: string): Promise<UserRow> {
      const user = await repositories.accounts.findUserById(userId)
      if (!user) throw sessionRevoked()
      return user
    },

    async checkPassword(user: UserRow, password: string): Promise<void> {
      if (!(await hasher.verify(user.password_hash, password))) throw invalidPassword()
    },

    /** The answer to signing in or refreshing: the user, a new access token and the refresh token. */
    async issue(user: UserRow, sessionId: string, refreshToken: string, issuedAtMs: number): Promise<AuthResult> {
      const accessToken = await accessTokens.sign(
        { userId: user.id, sessionId, scopes: ['read', 'write'] },
        Math.floor(issuedAtMs / 1000),
      )
      return { user: toUser(user), accessToken, refreshToken, expiresIn: accessTokens.ttlS }
    },
  }
}

export type AuthCommon = ReturnType<typeof authCommon>
