import { SessionExpiredError } from './errors.js'
import { memoryTokenStorage, type SessionTokens, type StoredTokens, type TokenStorage } from './storage.js'

/**
 * Calls the API's `refreshSession` operation; the client provides one, tests may inject their own.
 *
 * @example
 * const refresh: RefreshSession = async (refreshToken) => myAuthProxy.refresh(refreshToken)
 */
export type RefreshSession = (refreshToken: string) => Promise<SessionTokens>

/**
 * Options of the `session` auth mode.
 *
 * @example
 * const tl = createTasklane({
 *   baseUrl,
 *   session: { storage: localStorageTokenStorage(), onExpired: () => router.push('/login') },
 * })
 */
export interface SessionOptions {
  /** Where tokens live; memory by default. */
  storage?: TokenStorage
  /** A refresh token saved earlier, to resume a session without logging in again. */
  refreshToken?: string
  /** Refresh this many ms before the access token expires (default 30 000). */
  refreshBeforeMs?: number
  /** Called once when a refresh is refused and the session ends. */
  onExpired?: (error: SessionExpiredError) => void
  /** Replaces the built-in call of `refreshSession` (for tests or a custom auth proxy). */
  refresh?: RefreshSession
}

/**
 * The session half of a client: `tl.session`. Start it with what `completeSignUp` or `logIn` answered; it
 * then keeps its access token fresh on its own.
 *
 * @example
 * const { data } = await tl.POST('/v1/auth/login', { body: { email, password } })
 * if (data) await tl.session.set(data)
 */
export interface SessionHandle {
  /** Starts (or replaces) the session with a `{ accessToken, refreshToken, expiresIn }` answer. */
  set(tokens: SessionTokens): Promise<void>
  /** The stored tokens, or null when there is no session. */
  get(): Promise<StoredTokens | null>
  /** Forgets the tokens (call after `logOut`). */
  clear(): Promise<void>
  /** Refreshes now; concurrent callers share one refresh. Throws SessionExpiredError if refused. */
  refresh(): Promise<StoredTokens>
}

export class Session implements SessionHandle {
  #storage: TokenStorage
  #tokens: StoredTokens | null | undefined
  #inflight: Promise<StoredTokens> | null = null
  #refreshBeforeMs: number
  #refresh: RefreshSession
  #onExpired: ((error: SessionExpiredError) => void) | undefined
  #initialRefreshToken: string | undefined

  constructor(options: SessionOptions, refresh: RefreshSession) {
    this.#storage = options.storage ?? memoryTokenStorage()
    this.#refreshBeforeMs = options.refreshBeforeMs ?? 30_000
    this.#refresh = options.refresh ?? refresh
    this.#onExpired = options.onExpired
    this.#initialRefreshToken = options.refreshToken
  }

  async #load(): Promise<StoredTokens | null> {
    if (this.#tokens === undefined) {
      this.#tokens = (await this.#storage.get()) ?? null
      if (!this.#tokens && this.#initialRefreshToken) {
        this.#tokens = { accessToken: null, refreshToken: this.#initialRefreshToken, expiresAt: null }
      }
    }
    return this.#tokens
  }

  async #store(tokens: StoredTokens | null) {
    this.#tokens = tokens
    await this.#storage.set(tokens)
  }

  async set(tokens: SessionTokens) {
    await this.#store(toStored(tokens))
  }

  get() {
    return this.#load()
  }

  async clear() {
    await this.#store(null)
  }

  /**
   * The access token to send now, refreshed first when it is missing or about to expire. Returns null when
   * there is no session at all (requests then go out without credentials).
   */
  async accessToken(): Promise<string | null> {
    const tokens = this.#tokens === undefined ? await this.#load() : this.#tokens
    if (!tokens) return null
    const expiring = tokens.expiresAt !== null && tokens.expiresAt - Date.now() <= this.#refreshBeforeMs
    if (tokens.accessToken && !expiring) return tokens.accessToken
    try {
      return (await this.refresh()).accessToken
    } catch (error) {
      // A refresh that merely failed to connect should not stop a request whose token is still valid.
      if (
        !(error instanceof SessionExpiredError) &&
        tokens.accessToken &&
        tokens.expiresAt !== null &&
        tokens.expiresAt > Date.now()
      ) {
        return tokens.accessToken
      }
      throw error
    }
  }

  /**
   * A request sent with `rejected` got 401 token_expired. Refresh unless someone already replaced that
   * token, so that many concurrent 401s cause one refresh.
   */
  async renewAfter(rejected: string | null): Promise<string | null> {
    const tokens = await this.#load()
    if (!tokens) return null
    if (tokens.accessToken !== rejected && tokens.accessToken) return tokens.accessToken
    return (await this.refresh()).accessToken
  }

  /**
   * The server said the session of `rejected` was revoked (logged out elsewhere): forget the tokens and
   * tell the app, unless they were replaced meanwhile by a new login.
   */
  async end(rejected: string): Promise<void> {
    const tokens = await this.#load()
    if (!tokens || (tokens.accessToken !== rejected && tokens.accessToken !== null)) return
    await this.#store(null)
    this.#onExpired?.(new SessionExpiredError(401, undefined, new Headers(), 'The session was revoked; log in again'))
  }

  refresh(): Promise<StoredTokens> {
    this.#inflight ??= this.#doRefresh().finally(() => {
      this.#inflight = null
    })
    return this.#inflight
  }

  async #doRefresh(): Promise<StoredTokens> {
    const known = await this.#load()
    // Another tab (sharing localStorage) may have refreshed already and rotated the refresh token.
    const stored = (await this.#storage.get()) ?? known
    if (stored && known && stored.refreshToken !== known.refreshToken && stored.accessToken) {
      const fresh = stored.expiresAt === null || stored.expiresAt - Date.now() > this.#refreshBeforeMs
      if (fresh) {
        this.#tokens = stored
        return stored
      }
    }
    const current = stored ?? known
    if (!current) {
      throw new SessionExpiredError(401, undefined, new Headers(), 'There is no session to refresh')
    }
    try {
      const next = toStored(await this.#refresh(current.refreshToken))
      await this.#store(next)
      return next
    } catch (error) {
      if (error instanceof SessionExpiredError) {
        await this.#store(null)
        this.#onExpired?.(error)
      }
      throw error
    }
  }
}

function toStored(tokens: SessionTokens): StoredTokens {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: Date.now() + tokens.expiresIn * 1000,
  }
}
