import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { ApiError } from '../core/api-error.js'
import type { Principal, Scope } from '../core/principal.js'
import type { AppEnv } from './env.js'

export interface Authenticator {
  /** Resolves a bearer credential to who is calling, or throws a 401 ApiError saying why not. */
  authenticate(bearer: string): Promise<Principal>
}

const CHALLENGE = 'Bearer realm="tasklane"'

/**
 * Reads `Authorization: Bearer …` and sets `c.var.principal`. Bad credentials are not refused here but
 * remembered, so a public route (log in, refresh) still works for a client that sends a stale token, and
 * a protected one refuses with the precise reason through `requireAuth`.
 */
export function authentication(authenticator: Authenticator) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization')
    if (header !== undefined) {
      const match = /^Bearer +(\S+) *$/i.exec(header)
      if (!match?.[1]) {
        c.set('authError', new ApiError(401, 'token_invalid', 'The Authorization header must be "Bearer <token>".'))
      } else {
        try {
          c.set('principal', await authenticator.authenticate(match[1]))
        } catch (err) {
          if (!(err instanceof ApiError)) throw err
          c.set('authError', err)
        }
      }
    }
    return next()
  })
}

function withChallenge(err: Error): Error {
  if (err instanceof ApiError && err.status === 401 && !err.headers['WWW-Authenticate']) {
    const error = err.code === 'unauthenticated' ? '' : ', error="invalid_token"'
    err.headers['WWW-Authenticate'] = `${CHALLENGE}${error}`
  }
  return err
}

/**
 * The caller of an operation that needs credentials, checked for `scope`: 401 without valid credentials
 * (the `code` says why), 403 `insufficient_scope` when an API key lacks the scope. Operations that change
 * data ask for `write`.
 *
 * @example
 * const principal = requireAuth(c, 'write')
 * await projects.create(principal.userId, body)
 */
export function requireAuth(c: Context<AppEnv>, scope: Scope = 'read'): Principal {
  const principal = c.get('principal')
  if (!principal) {
    throw withChallenge(
      c.get('authError') ??
        new ApiError(401, 'unauthenticated', 'This operation needs credentials: send "Authorization: Bearer <token>".'),
    )
  }
  if (!principal.scopes.includes(scope)) {
    throw new ApiError(403, 'insufficient_scope', `These credentials lack the ${scope} scope.`, {
      headers: { 'WWW-Authenticate': `${CHALLENGE}, error="insufficient_scope", scope="${scope}"` },
    })
  }
  return principal
}

/**
 * Like `requireAuth`, for account management (password, sessions, API keys): only a signed-in session may
 * do it, so a leaked API key cannot mint more keys or take the account over. 403 `session_required`.
 */
export function requireSession(c: Context<AppEnv>, scope: Scope = 'write'): Principal & { sessionId: string } {
  const principal = requireAuth(c, scope)
  if (!principal.sessionId) {
    throw new ApiError(403, 'session_required', 'Managing the account needs a signed-in session, not an API key.')
  }
  return principal as Principal & { sessionId: string }
}
