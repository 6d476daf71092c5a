import { ConnectionError, errorFromResponse, SessionExpiredError } from '../core/errors.js'
import type { RefreshSession } from '../core/session.js'
import type { SessionTokens } from '../core/storage.js'
import type { paths } from '../generated/openapi.js'

/**
 * The one place that knows how to call `refreshSession`. The path is checked against the generated paths,
 * so renaming the operation's path in openapi.yaml fails the SDK's build here. The call itself goes through
 * the transport untyped because it must skip the session's own auth and refresh handling.
 */
const REFRESH_SESSION_PATH = '/v1/auth/refresh' satisfies keyof paths

/** Statuses with which the server refuses a refresh token for good (as opposed to a transient failure). */
const REFUSED = new Set([400, 401, 403])

type LooseCall = (
  path: string,
  init: { body: { refreshToken: string }; auth: false },
) => Promise<{ data?: unknown; error?: unknown; response: Response }>

export function refreshSessionVia(post: LooseCall): RefreshSession {
  return async (refreshToken) => {
    const { data, error, response } = await sendOnceMore(() =>
      post(REFRESH_SESSION_PATH, { body: { refreshToken }, auth: false }),
    )
    if (error !== undefined || !isTokens(data)) {
      const apiError = errorFromResponse(response, error)
      if (REFUSED.has(response.status)) {
        throw new SessionExpiredError(
          response.status,
          apiError.body,
          response.headers,
          'The session has ended; log in again',
        )
      }
      throw apiError
    }
    return data
  }
}

function isTokens(data: unknown): data is SessionTokens {
  const d = data as SessionTokens | undefined
  return typeof d?.accessToken === 'string' && typeof d.refreshToken === 'string' && typeof d.expiresIn === 'number'
}

/**
 * A refresh whose answer was lost may have rotated the token on the server. The server answers a repeat of
 * the same refresh token within its grace window (about 10 s) with the pair it already made, so sending it
 * once more right away is safe, and keeps the call that needed the refresh from failing.
 */
async function sendOnceMore<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send()
  } catch (error) {
    if (!(error instanceof ConnectionError)) throw error
    return send()
  }
}
