import type { Config } from '../../../config.js'
import type { AuthResult, User } from '../../../generated/routes.js'
import { newId } from '../../../lib/ids.js'
import type { Secrets } from '../../../secrets/secrets.js'
import type { WriteTx } from '../../../write/writer.js'
import type * as authRepo from '../auth.repository.js'
import { createAccessTokens, hashToken, randomToken } from '../tokens.js'

export type UserRow = authRepo.UserRow

/** Starts ordinary Tasklane sessions for provider sign-ins: the same rows, tokens and rotation as a password sign-in. */
export interface SessionIssuer {
  /** Inserts the session in the caller's transaction; the tokens are returned by `issue` after commit. */
  open(tx: WriteTx, user: UserRow, device: string, provider: string): Promise<OpenedSession>
  issue(user: UserRow, session: OpenedSession): Promise<AuthResult>
}

export interface OpenedSession {
  id: string
  refreshToken: string
  issuedAtMs: number
}

function toUser(row: UserRow, now = new Date().toISOString()): User {
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

export async function createSessionIssuer(config: Config, secrets: Secrets): Promise<SessionIssuer> {
  const accessTokens = await createAccessTokens(secrets.key('jwt'), config.ACCESS_TOKEN_TTL_S)
  const sessionTtlMs = config.SESSION_TTL_S * 1000
  return {
    async open(tx, user, device, provider) {
      const now = Date.now()
      const iso = (ms: number) => new Date(ms).toISOString()
      const refreshToken = randomToken('rt')
      const id = newId('ses')
      await tx.sessions.insertSession(
        {
          id,
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
        },
        hashToken(refreshToken),
      )
      await tx.identities.recordSessionProvider(id, provider)
      return { id, refreshToken, issuedAtMs: now }
    },
    async issue(user, session) {
      const accessToken = await accessTokens.sign(
        { userId: user.id, sessionId: session.id, scopes: ['read', 'write'] },
        Math.floor(session.issuedAtMs / 1000),
      )
      return { user: toUser(user), accessToken, refreshToken: session.refreshToken, expiresIn: accessTokens.ttlS }
    },
  }
}
