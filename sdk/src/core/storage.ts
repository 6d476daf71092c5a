/**
 * What `completeSignUp`, `logIn` and `refreshSession` (and the deprecated `signUp`) answer with (the `user` field, if any, is ignored).
 *
 * @example
 * const tokens: SessionTokens = { accessToken: 'eyJ…', refreshToken: 'rt_…', expiresIn: 900 }
 * await tl.session.set(tokens)
 */
export interface SessionTokens {
  accessToken: string
  refreshToken: string
  /** Seconds until the access token expires. */
  expiresIn: number
}

/**
 * Tokens as stored: the expiry is absolute so that a reload later still knows it.
 *
 * @example
 * const stored: StoredTokens | null = await tl.session.get()
 * if (stored?.expiresAt) console.log('access token valid until', new Date(stored.expiresAt))
 */
export interface StoredTokens {
  accessToken: string | null
  refreshToken: string
  /** Epoch milliseconds when the access token expires; null when unknown. */
  expiresAt: number | null
}

/**
 * Where a session keeps its tokens. `get` is read once when the client first needs a token and again
 * before refreshing (another tab may have refreshed already); `set(null)` ends the session.
 *
 * @example
 * const storage: TokenStorage = {
 *   get: () => JSON.parse(sessionStorage.getItem('tl') ?? 'null'),
 *   set: (tokens) => sessionStorage.setItem('tl', JSON.stringify(tokens)),
 * }
 */
export interface TokenStorage {
  get(): StoredTokens | null | Promise<StoredTokens | null>
  set(tokens: StoredTokens | null): void | Promise<void>
}

/**
 * Keeps tokens in memory only (the default): the session ends with the process or page.
 *
 * @example
 * const tl = createTasklane({ baseUrl, session: { storage: memoryTokenStorage() } })
 */
export function memoryTokenStorage(initial: StoredTokens | null = null): TokenStorage {
  let tokens = initial
  return {
    get: () => tokens,
    set: (next) => {
      tokens = next
    },
  }
}

/**
 * Keeps tokens in the browser's `localStorage` under `key`, so a session survives reloads and is shared by
 * tabs of the same origin.
 *
 * @example
 * const tl = createTasklane({ baseUrl, session: { storage: localStorageTokenStorage() } })
 */
export function localStorageTokenStorage(
  key = 'tasklane.session',
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> = globalThis.localStorage,
): TokenStorage {
  return {
    get() {
      const raw = storage.getItem(key)
      if (!raw) return null
      try {
        const parsed = JSON.parse(raw) as StoredTokens
        return typeof parsed?.refreshToken === 'string' ? parsed : null
      } catch {
        return null
      }
    },
    set(tokens) {
      if (tokens) storage.setItem(key, JSON.stringify(tokens))
      else storage.removeItem(key)
    },
  }
}

/**
 * Keeps tokens in memory and calls `onChange` whenever they change (refreshed, set or cleared), so an app
 * can persist them wherever it likes (a keychain, a cookie, a file).
 *
 * @example
 * const tl = createTasklane({
 *   baseUrl,
 *   session: { storage: callbackTokenStorage(saved, (tokens) => keychain.save(tokens)) },
 * })
 */
export function callbackTokenStorage(
  initial: StoredTokens | null,
  onChange: (tokens: StoredTokens | null) => void | Promise<void>,
): TokenStorage {
  let tokens = initial
  return {
    get: () => tokens,
    async set(next) {
      tokens = next
      await onChange(next)
    },
  }
}
