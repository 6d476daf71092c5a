import {
  AuthenticationError,
  callbackTokenStorage,
  localStorageTokenStorage,
  SessionExpiredError,
  type StoredTokens,
  unwrap,
} from '@tasklane/sdk'
import { describe, expect, test, vi } from 'vitest'
import { createFakeServer } from './fake-server.js'
import { rejection, sdkOn } from './helpers.js'

const credentials = { email: 'ada@example.com', password: 'correct horse' }
const bearer = (s: ReturnType<typeof createFakeServer>, i: number) => s.requests[i]?.headers.get('Authorization')

function memoryStorage(): Storage {
  const map = new Map<string, string>()
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
    clear: () => map.clear(),
    key: (i) => [...map.keys()][i] ?? null,
    get length() {
      return map.size
    },
  }
}

describe('auth modes', () => {
  test('apiKey is sent as a bearer token', async () => {
    const s = createFakeServer()
    const tl = sdkOn(s, { apiKey: 'tl_test_key' })
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
    expect(bearer(s, 0)).toBe('Bearer tl_test_key')
  })

  test('a fixed accessToken is sent, and its expiry is not handled by the SDK', async () => {
    const s = createFakeServer()
    const { accessToken } = await unwrap(sdkOn(s).POST('/v1/auth/login', { body: credentials }))
    const tl = sdkOn(s, { accessToken })
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
    s.expireAccessTokens()
    const error = await rejection(unwrap(tl.GET('/v1/me')))
    expect(error).toBeInstanceOf(AuthenticationError)
    expect((error as AuthenticationError).code).toBe('token_expired')
    expect(s.count('POST', '/v1/auth/refresh')).toBe(0)
  })

  test('session: logIn then set(), requests carry the access token', async () => {
    const s = createFakeServer()
    const tl = sdkOn(s)
    expect((await tl.GET('/v1/me')).error?.code).toBe('unauthenticated')
    await tl.session.set(await unwrap(tl.POST('/v1/auth/login', { body: credentials })))
    const me = await unwrap(tl.GET('/v1/me'))
    expect(me.email).toBe('ada@example.com')
    expect(bearer(s, 2)).toMatch(/^Bearer at_/)
    // The login itself went out without credentials.
    expect(bearer(s, 1)).toBeNull()
  })

  test('concurrent 401 token_expired cause exactly one refresh; every request is replayed with its body', async () => {
    const s = createFakeServer()
    const tl = sdkOn(s)
    await tl.session.set(await unwrap(tl.POST('/v1/auth/signup', { body: credentials })))
    const before = (await tl.session.get())?.refreshToken
    s.expireAccessTokens()
    const results = await Promise.all([
      tl.GET('/v1/me'),
      tl.GET('/v1/me'),
      tl.GET('/v1/projects'),
      tl.POST('/v1/projects', { body: { name: 'One' } }),
      tl.POST('/v1/projects', { body: { name: 'Two' } }),
    ])
    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200, 201, 201])
    expect(s.count('POST', '/v1/auth/refresh')).toBe(1)
    expect([...s.state.projects.values()].map((p) => p.name).sort()).toEqual(['One', 'Two'])
    expect((await tl.session.get())?.refreshToken).not.toBe(before)
  })

  test('proactive refresh: a token about to expire is refreshed before the request, without a 401', async () => {
    const s = createFakeServer()
    s.state.accessTtlMs = 20_000 // below the default refreshBeforeMs of 30 s
    const tl = sdkOn(s)
    await tl.session.set(await unwrap(tl.POST('/v1/auth/login', { body: credentials })))
    s.state.accessTtlMs = 15 * 60_000
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
    expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/auth/login',
      'POST /v1/auth/refresh',
      'GET /v1/me',
    ])
  })

  test('a refused refresh ends the session: SessionExpiredError, tokens cleared, onExpired called once', async () => {
    const s = createFakeServer()
    const onExpired = vi.fn()
    const tl = sdkOn(s, { session: { onExpired } })
    await tl.session.set(await unwrap(tl.POST('/v1/auth/login', { body: credentials })))
    s.state.refreshTokens.clear() // revoked on the server
    s.expireAccessTokens()
    const errors = await Promise.all([rejection(tl.GET('/v1/me')), rejection(tl.GET('/v1/projects'))])
    for (const error of errors) {
      expect(error).toBeInstanceOf(SessionExpiredError)
      expect(error).toBeInstanceOf(AuthenticationError)
      expect((error as SessionExpiredError).code).toBe('session_revoked')
    }
    expect(onExpired).toHaveBeenCalledTimes(1)
    expect(await tl.session.get()).toBeNull()
    expect(s.count('POST', '/v1/auth/refresh')).toBe(1)
  })

  test('a session resumes from a stored refresh token alone', async () => {
    const s = createFakeServer()
    const { refreshToken } = await unwrap(sdkOn(s).POST('/v1/auth/login', { body: credentials }))
    const tl = sdkOn(s, { session: { refreshToken } })
    expect((await unwrap(tl.GET('/v1/me'))).id).toBe('usr_1')
    expect(s.count('POST', '/v1/auth/refresh')).toBe(1)
  })

  test('localStorage adapter: the session survives a new client (a page reload) and is cleared on expiry', async () => {
    const s = createFakeServer()
    const storage = memoryStorage()
    const first = sdkOn(s, { session: { storage: localStorageTokenStorage('tl', storage) } })
    await first.session.set(await unwrap(first.POST('/v1/auth/login', { body: credentials })))
    expect(JSON.parse(storage.getItem('tl') ?? '{}').refreshToken).toMatch(/^rt_/)
    const reloaded = sdkOn(s, { session: { storage: localStorageTokenStorage('tl', storage) } })
    expect((await reloaded.GET('/v1/me')).response.status).toBe(200)
    expect(s.count('POST', '/v1/auth/refresh')).toBe(0)
    await reloaded.session.clear()
    expect(storage.getItem('tl')).toBeNull()
  })

  test('two tabs sharing localStorage: the second adopts the first one’s refresh instead of reusing a rotated token', async () => {
    const s = createFakeServer()
    const storage = memoryStorage()
    const tabA = sdkOn(s, { session: { storage: localStorageTokenStorage('tl', storage) } })
    await tabA.session.set(await unwrap(tabA.POST('/v1/auth/login', { body: credentials })))
    const tabB = sdkOn(s, { session: { storage: localStorageTokenStorage('tl', storage) } })
    expect((await tabB.GET('/v1/me')).response.status).toBe(200)
    s.expireAccessTokens()
    expect((await tabA.GET('/v1/me')).response.status).toBe(200)
    expect((await tabB.GET('/v1/me')).response.status).toBe(200)
    expect(s.count('POST', '/v1/auth/refresh')).toBe(1)
  })

  test('callback storage reports every change, including rotation and the end of the session', async () => {
    const s = createFakeServer()
    const seen: (StoredTokens | null)[] = []
    const tl = sdkOn(s, { session: { storage: callbackTokenStorage(null, (t) => void seen.push(t)) } })
    await tl.session.set(await unwrap(tl.POST('/v1/auth/login', { body: credentials })))
    await tl.session.refresh()
    await tl.session.clear()
    expect(seen).toHaveLength(3)
    expect(seen[0]?.refreshToken).not.toBe(seen[1]?.refreshToken)
    expect(seen[1]?.expiresAt).toBeGreaterThan(Date.now())
    expect(seen[2]).toBeNull()
  })

  test('the refresh call can be injected', async () => {
    const s = createFakeServer()
    const refresh = vi.fn(async () => unwrap(sdkOn(s).POST('/v1/auth/login', { body: credentials })))
    const tl = sdkOn(s, { session: { refreshToken: 'stored', refresh } })
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
    expect(refresh).toHaveBeenCalledWith('stored')
  })

  test('a client with an apiKey has no session to set', async () => {
    const tl = sdkOn(createFakeServer().app, { apiKey: 'tl_test_key' })
    await expect(tl.session.set({ accessToken: 'a', refreshToken: 'r', expiresIn: 1 })).rejects.toThrow(/apiKey/)
  })
})
