import { ApiError } from '../../core/api-error.js'
import type { Principal } from '../../core/principal.js'
import type { AuthResult, SessionList } from '../../generated/routes.js'
import { listScope } from '../../lib/cursor.js'
import { newId } from '../../lib/ids.js'
import type { WriteTx } from '../../write/writer.js'
import { type AuthCommon, type AuthDeps, invalidCredentials, iso, sessionRevoked } from './auth.common.js'
import type { SessionRow, UserRow } from './auth.repository.js'
import { hasPassword } from './passwords.js'
import { hashToken, randomToken } from './tokens.js'

/**
 * Sessions: signing in, refresh-token rotation (with reuse detection and a grace window for two tabs
 * refreshing at once), signing out, and the user's list of their sessions.
 */
export function sessionsFlow(deps: AuthDeps, common: AuthCommon) {
  const { config, repositories, writer, logger, revocations, sealer, hasher, cursors } = deps
  const sessionTtlMs = config.SESSION_TTL_S * 1000

  function revoke(filter: { userId: string; sessionIds: readonly string[] }, reason: string) {
    return writer.write((tx) => tx.sessions.revokeSessions(filter, reason, iso()), { silent: true })
  }

  /** Starts a session for `user` inside a write; answers its id and first refresh token. */
  async function startSession(
    tx: WriteTx,
    user: UserRow,
    device: string,
  ): Promise<{ id: string; refreshToken: string; now: number }> {
    const now = Date.now()
    const refreshToken = randomToken('rt')
    const session: SessionRow = {
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
    await tx.sessions.insertSession(session, hashToken(refreshToken))
    return { id: session.id, refreshToken, now }
  }

  return {
    startSession,

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
      const user = await repositories.accounts.findUserByEmail(input.email)
      const who = from && { client: from.client, account: input.email.toLowerCase(), known: from.known }
      // No account, or one without a password (made through a provider): the same work and the same answer
      // as a wrong password, so the answer tells nothing about which accounts exist or how they sign in.
      if (!user || !hasPassword(user)) {
        await hasher.dummyVerify(who)
        throw invalidCredentials()
      }
      if (!(await hasher.verify(user.password_hash, input.password, who))) throw invalidCredentials()
      const session = await writer.write(
        async (tx) => {
          const started = await startSession(tx, user, device)
          if (from) await tx.loginClients.remember(user.id, from.client, new Date(started.now).toISOString())
          return started
        },
        { silent: true },
      )
      return common.issue(user, session.id, session.refreshToken, session.now)
    },

    async refreshSession(refreshToken: string): Promise<AuthResult> {
      const tokenHash = hashToken(refreshToken)
      const outcome = await writer.write(
        async (tx) => {
          const token = await tx.sessions.findRefreshToken(tokenHash)
          if (!token) throw new ApiError(401, 'token_invalid', 'The refresh token is not valid.')
          const now = Date.now()
          if (await tx.sessions.useRefreshToken(tokenHash, iso(now))) {
            const session = await tx.sessions.findSession(token.session_id)
            if (!session || session.revoked_at) throw sessionRevoked()
            if (session.expires_at <= iso(now))
              throw new ApiError(401, 'token_expired', 'The session has expired; sign in again.')
            const next = randomToken('rt')
            await tx.sessions.rotateSession(session.id, {
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
          const session = await tx.sessions.findSession(token.session_id)
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
          const ids = await tx.sessions.revokeSessions(
            { userId: session.user_id, sessionIds: [session.id] },
            'refresh_token_reused',
            iso(now),
          )
          return { kind: 'reused' as const, ids, sessionId: session.id, userId: session.user_id }
        },
        { silent: true },
      )
      if (outcome.kind === 'reused') {
        // Logged once the revocation has committed: a run of the write that is rolled back logs nothing.
        logger.warn({ sessionId: outcome.sessionId, userId: outcome.userId }, 'refresh token reused; session revoked')
        revocations.add(outcome.ids)
      }
      if (outcome.kind !== 'rotated') throw sessionRevoked()
      const user = await common.userOrRevoked(outcome.userId)
      return common.issue(user, outcome.sessionId, outcome.refreshToken, outcome.issuedAt)
    },

    async logOut(principal: Principal & { sessionId: string }): Promise<void> {
      revocations.add(await revoke({ userId: principal.userId, sessionIds: [principal.sessionId] }, 'logout'))
    },

    async listSessions(
      principal: Principal & { sessionId: string },
      limit: number,
      cursor?: string,
    ): Promise<SessionList> {
      const scope = listScope('listSessions', { userId: principal.userId })
      const after = cursor ? cursors.decode(scope, cursor) : undefined
      const page = await repositories.sessions.listSessions(principal.userId, iso(), after, limit)
      const providers = await repositories.identities.providersOfSessions(page.items.map((r) => r.id))
      return {
        data: page.items.map((r) => ({
          id: r.id,
          deviceLabel: r.device_label,
          provider: providers.get(r.id) ?? null,
          createdAt: r.created_at,
          lastUsedAt: r.last_used_at,
          expiresAt: r.expires_at,
          current: r.id === principal.sessionId,
        })),
        nextCursor: page.next && cursors.encode(scope, page.next),
      }
    },

    async revokeSession(userId: string, sessionId: string): Promise<void> {
      const ids = await revoke({ userId, sessionIds: [sessionId] }, 'revoked_by_user')
      if (ids.length === 0) throw new ApiError(404, 'not_found', 'No active session with this id.')
      revocations.add(ids)
    },
  }
}
