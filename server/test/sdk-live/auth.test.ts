// The SDK's auth modes against the real auth endpoints, over real sockets. Access tokens expire for real:
// the server signs them with a 60 s lifetime (ACCESS_TOKEN_TTL_S, its minimum) and only the clock (Date,
// nothing else) is moved forward, so jose on the server and the SDK's session both see the time pass.
import {
  AuthenticationError,
  callbackTokenStorage,
  SessionExpiredError,
  type StoredTokens,
  unwrap,
} from '@tasklane/sdk'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { present } from '../../src/test/present.js'
import { startLiveServer } from './support/live.js'

const TTL = { ACCESS_TOKEN_TTL_S: '60' }

/** Freezes the clock half-way through a second, so that token lifetimes are exact in the tests below. */
function freezeClock(): number {
  const now = (Math.floor(Date.now() / 1000) + 1) * 1000 + 500
  vi.useFakeTimers({ toFake: ['Date'], now })
  return now
}

const bearerOf = (headers: Headers) => headers.get('authorization')?.replace(/^Bearer /, '')
const expiryOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()).exp as number

afterEach(() => {
  vi.useRealTimers()
})

describe('auth modes against the live server', () => {
  test('apiKey: a key made with createApiKey authenticates as its owner', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const owner = live.sdk({ accessToken: user.accessToken })
    const created = await unwrap(owner.POST('/v1/me/api-keys', { body: { name: 'ci', scopes: ['read', 'write'] } }))
    expect(created.key).toMatch(/^tl_/)

    const tl = live.sdk({ apiKey: created.key })
    const me = await unwrap(tl.GET('/v1/me'))
    expect(me.id).toBe(user.user.id)
    expect(bearerOf(present(live.requests.at(-1), 'the last request').headers)).toBe(created.key)
    expect(live.count('POST', '/v1/auth/refresh')).toBe(0)
  })

  test('accessToken: a fixed token is sent as it is, and once expired it fails without a refresh', async () => {
    const start = freezeClock()
    const live = await startLiveServer(TTL)
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken })
    expect((await unwrap(tl.GET('/v1/me'))).email).toBe(user.email)

    vi.setSystemTime(start + 61_000)
    const error = await unwrap(tl.GET('/v1/me')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(error).not.toBeInstanceOf(SessionExpiredError)
    expect((error as AuthenticationError).code).toBe('token_expired')
    expect((error as AuthenticationError).requestId).toBe((error as AuthenticationError).headers.get('x-request-id'))
    expect(live.count('POST', '/v1/auth/refresh')).toBe(0)
  })

  test('session from signUp: the tokens it answered authenticate later calls', async () => {
    const live = await startLiveServer()
    const tl = live.sdk()
    const signedUp = await unwrap(
      tl.POST('/v1/auth/signup', {
        body: { email: 'ada@example.com', password: 'a long enough test passphrase', name: 'Ada' },
      }),
    )
    await tl.session.set(signedUp)
    expect((await unwrap(tl.GET('/v1/me'))).id).toBe(signedUp.user.id)
    expect(bearerOf(present(live.requests.at(-1), 'the last request').headers)).toBe(signedUp.accessToken)
    // signUp itself went out without credentials
    expect(live.requests[0]?.headers.has('authorization')).toBe(false)
  })

  test('session from logIn, listed by the server as the session it is', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk()
    await tl.session.set(
      await unwrap(tl.POST('/v1/auth/login', { body: { email: user.email, password: user.password } })),
    )
    const sessions = await unwrap(tl.GET('/v1/me/sessions'))
    expect(sessions.data).toHaveLength(2) // the sign-up's and this one
    expect(sessions.data.filter((s) => s.current)).toHaveLength(1)
  })

  test('session from a stored refresh token: resumed with one refresh, the rotated token is stored', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const saved: (StoredTokens | null)[] = []
    const tl = live.sdk({
      session: { refreshToken: user.refreshToken, storage: callbackTokenStorage(null, (t) => void saved.push(t)) },
    })
    expect((await unwrap(tl.GET('/v1/me'))).id).toBe(user.user.id)
    expect(live.requests.map((r) => `${r.method} ${r.path}`).slice(1)).toEqual(['POST /v1/auth/refresh', 'GET /v1/me'])
    expect(saved).toHaveLength(1)
    expect(saved[0]?.refreshToken).not.toBe(user.refreshToken)
    expect(saved[0]?.accessToken).toBe(bearerOf(present(live.requests.at(-1), 'the last request').headers))
  })

  test('concurrent 401 token_expired cause exactly one refreshSession; every request is replayed with its body', async () => {
    const start = freezeClock()
    const live = await startLiveServer(TTL)
    const user = await live.signUp()
    // refreshBeforeMs 0: the SDK sends the token until its own count of expiresIn runs out. That count starts
    // when the answer arrived, the server's `exp` when it signed (in whole seconds), so for a moment the
    // SDK still sends a token the server already calls expired: as when a request leaves just in time and
    // arrives too late.
    const tl = live.sdk({ session: { refreshBeforeMs: 0 } })
    await tl.session.set(user)
    const exp = expiryOf(user.accessToken) * 1000
    expect(exp).toBeLessThan(start + 60_000)
    vi.setSystemTime(exp + 100)

    const results = await Promise.all([
      tl.GET('/v1/me'),
      tl.GET('/v1/me'),
      tl.GET('/v1/me/sessions'),
      tl.POST('/v1/me/api-keys', { body: { name: 'one', scopes: ['read'] } }),
      tl.POST('/v1/me/api-keys', { body: { name: 'two', scopes: ['read'] } }),
    ])
    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200, 201, 201])
    expect(live.count('POST', '/v1/auth/refresh')).toBe(1)
    // Each call was sent twice: with the expired token, then replayed with the new one.
    expect(live.count('GET', '/v1/me')).toBe(4)
    expect(live.count('POST', '/v1/me/api-keys')).toBe(4)
    const keys = await unwrap(tl.GET('/v1/me/api-keys'))
    expect(keys.data.map((k) => k.name).sort()).toEqual(['one', 'two'])
    const stored = await tl.session.get()
    expect(stored?.refreshToken).not.toBe(user.refreshToken)
    expect(expiryOf(stored?.accessToken ?? '')).toBeGreaterThan(exp / 1000)
  })

  test('proactive refresh: a token about to expire is refreshed before the request, which gets no 401', async () => {
    const start = freezeClock()
    const live = await startLiveServer(TTL)
    const user = await live.signUp()
    const tl = live.sdk() // refreshes when less than 30 s are left
    await tl.session.set(user)
    vi.setSystemTime(start + 31_000) // the token is still good for 29 s on the server

    expect((await tl.GET('/v1/me')).response.status).toBe(200)
    expect(live.requests.map((r) => `${r.method} ${r.path}`).slice(1)).toEqual(['POST /v1/auth/refresh', 'GET /v1/me'])
    expect(bearerOf(present(live.requests.at(-1), 'the last request').headers)).not.toBe(user.accessToken)
    // The old token was still accepted: the refresh happened because it was close, not because it failed.
    expect((await live.sdk({ accessToken: user.accessToken }).GET('/v1/me')).response.status).toBe(200)
  })

  test('a refresh the server refuses ends the session: SessionExpiredError, storage cleared, onExpired once', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    await unwrap(live.sdk({ accessToken: user.accessToken }).POST('/v1/auth/logout'))
    const onExpired = vi.fn()
    const saved: (StoredTokens | null)[] = []
    const tl = live.sdk({
      session: {
        refreshToken: user.refreshToken,
        onExpired,
        storage: callbackTokenStorage(null, (t) => void saved.push(t)),
      },
    })
    const errors = await Promise.all([tl.GET('/v1/me'), tl.GET('/v1/me/sessions')].map((p) => p.catch((e) => e)))
    for (const error of errors) {
      expect(error).toBeInstanceOf(SessionExpiredError)
      expect((error as SessionExpiredError).code).toBe('session_revoked')
      expect((error as SessionExpiredError).requestId).toMatch(/\S/)
    }
    expect(onExpired).toHaveBeenCalledTimes(1)
    expect(live.count('POST', '/v1/auth/refresh')).toBe(1)
    expect(live.count('GET', '/v1/me')).toBe(0)
    expect(saved).toEqual([null])
  })

  test("a refresh whose answer is lost is sent once more, and the server's grace window answers it with the same pair", async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk({ session: { refreshToken: user.refreshToken } })
    live.fault({ drop: 'after' }) // the server rotates the token; the client never hears the new one
    expect((await unwrap(tl.GET('/v1/me'))).id).toBe(user.user.id)
    const refreshes = live.requests.filter((r) => r.path === '/v1/auth/refresh')
    expect(refreshes).toHaveLength(2)
    expect(refreshes[1]?.body).toBe(refreshes[0]?.body)
    // refreshSession declares no Idempotency-Key; the repeat is safe because of the grace window alone.
    expect(refreshes.map((r) => r.headers.has('idempotency-key'))).toEqual([false, false])
    expect(live.count('GET', '/v1/me')).toBe(1)
    // The session goes on: the next refresh with the token it got is accepted.
    expect((await tl.session.refresh()).accessToken).toMatch(/\./)
  })
})
