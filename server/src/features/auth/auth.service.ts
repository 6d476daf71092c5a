import { ApiError } from '../../core/api-error.js'
import type { Principal, Scope } from '../../core/principal.js'
import { accountFlow } from './account.service.js'
import { apiKeysFlow } from './api-keys.service.js'
import { type AuthDeps, authCommon, iso, sessionRevoked } from './auth.common.js'
import { emailChangeFlow } from './email-change.service.js'
import { passwordResetFlow } from './password-reset.service.js'
import { sessionsFlow } from './sessions.service.js'
import { signUpFlow } from './signup.service.js'
import { hashToken } from './tokens.js'
import { verificationFlow } from './verification.service.js'

const API_KEY_TOUCH_MS = 60_000

/**
 * Accounts, sessions, API keys and the email flows, one file per flow beside its test; this is what the
 * handlers and the authentication middleware call. Every multi-step change runs in one transaction, so a
 * failed request changes nothing; mail goes out only after the change is committed.
 */
export function createAuthService(deps: AuthDeps) {
  const { repositories, writer, accessTokens, revocations } = deps
  const common = authCommon(deps)
  const sessions = sessionsFlow(deps, common)
  const verification = verificationFlow(deps, common)
  const emailChange = emailChangeFlow(deps)
  const account = accountFlow(deps, common, { sessions, verification, emailChange })
  const passwordReset = passwordResetFlow(deps)
  const signUpByEmail = signUpFlow(deps, common, { sessions })
  const apiKeys = apiKeysFlow(deps)

  /**
   * Resolves a bearer credential (access token or API key) to the principal; throws 401 problems. The
   * principal keeps the credential to itself: `recheck()` asks again, for callers that hold on to it (an
   * event stream), without anyone re-reading the request's header.
   */
  async function authenticate(bearer: string): Promise<Principal> {
    const principal = await resolve(bearer)
    principal.recheck = () =>
      resolve(bearer).then(
        (current) => current.userId === principal.userId,
        (err: unknown) => {
          if (err instanceof ApiError && err.status === 401) return false
          throw err
        },
      )
    return principal
  }

  async function resolve(bearer: string): Promise<Principal> {
    if (bearer.startsWith('tl_')) {
      const key = await repositories.apiKeys.findApiKeyByHash(hashToken(bearer))
      if (!key) throw new ApiError(401, 'token_invalid', 'The API key is not valid.')
      if (key.revoked_at) throw new ApiError(401, 'api_key_revoked', 'This API key has been revoked.')
      const now = Date.now()
      if (key.expires_at && key.expires_at <= iso(now))
        throw new ApiError(401, 'token_expired', 'This API key has expired.')
      if (!key.last_used_at || Date.parse(key.last_used_at) < now - API_KEY_TOUCH_MS) {
        await writer.write((tx) => tx.apiKeys.touchApiKey(key.id, iso(now)), { silent: true })
      }
      return {
        userId: key.user_id,
        apiKeyId: key.id,
        recheck: STILL_VALID,
        scopes: key.scopes.split(' ') as Scope[],
        ...(key.expires_at ? { expiresAt: Date.parse(key.expires_at) } : {}),
      }
    }
    const claims = await accessTokens.verify(bearer)
    if (revocations.isRevoked(claims.sessionId)) throw sessionRevoked()
    return {
      userId: claims.userId,
      sessionId: claims.sessionId,
      scopes: claims.scopes,
      expiresAt: claims.expiresAt,
      recheck: STILL_VALID,
    }
  }

  return {
    authenticate,
    /**
     * Whether a session or API key was revoked lately, as far as this instance knows (at once for its own
     * revocations, within REVOCATION_POLL_MS for other instances'); no database round trip.
     */
    isRevoked: (credentialId: string): boolean => revocations.isRevoked(credentialId),
    /** Whether `client` signed up or signed in to the account with this email before (see login_clients). */
    isKnownLoginClient: (email: string, client: string): Promise<boolean> =>
      repositories.loginClients.isKnown(email, client),
    signUp: account.signUp,
    startSignUp: signUpByEmail.startSignUp,
    completeSignUp: signUpByEmail.completeSignUp,
    getMe: account.getMe,
    updateMe: account.updateMe,
    deleteMe: account.deleteMe,
    changePassword: account.changePassword,
    logIn: sessions.logIn,
    refreshSession: sessions.refreshSession,
    logOut: sessions.logOut,
    listSessions: sessions.listSessions,
    revokeSession: sessions.revokeSession,
    confirmEmailChange: emailChange.confirmEmailChange,
    requestEmailVerification: verification.requestEmailVerification,
    verifyEmail: verification.verifyEmail,
    requestPasswordReset: passwordReset.requestPasswordReset,
    resetPassword: passwordReset.resetPassword,
    /** Resolves once background work started so far (and the mail it sends) has finished. */
    idle: passwordReset.idle,
    createApiKey: apiKeys.createApiKey,
    listApiKeys: apiKeys.listApiKeys,
    revokeApiKey: apiKeys.revokeApiKey,
  }
}

export type AuthService = ReturnType<typeof createAuthService>

// Replaced by `authenticate` once the principal is built.
const STILL_VALID = async () => true
