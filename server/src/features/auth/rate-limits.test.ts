import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app.js'
import { signUpUser } from '../../test/users.js'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})
const logIn = (t: TestApp, email: string, password: string) => t.request('/v1/auth/login', post({ email, password }))

describe('rate limits', () => {
  it('throttles brute-force logins per account with 429, Retry-After and the RateLimit headers', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    for (let i = 1; i <= 10; i++) {
      const res = await logIn(t, alice.user.email, `wrong password number ${i}`)
      expect(res.status).toBe(401)
      expect(res.headers.get('ratelimit-policy')).toContain('"login-account";q=10;w=900')
      expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^"login-account";r=${10 - i};t=\\d+$`))
    }
    const blocked = await logIn(t, alice.user.email, alice.password)
    expect(blocked.status).toBe(429)
    expect(blocked.headers.get('content-type')).toBe('application/problem+json')
    const retryAfter = Number(blocked.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(900)
    expect(blocked.headers.get('ratelimit-policy')).toBe(
      '"default";q=600;w=60, "login-ip";q=50;w=900, "login-account";q=10;w=900',
    )
    expect(blocked.headers.get('ratelimit')).toMatch(/^"login-account";r=0;t=\d+$/)
    const body = await blocked.json()
    expect(body).toMatchObject({ status: 429, code: 'rate_limited' })
    // The account limit does not lock out other accounts.
    const bob = await signUpUser(t)
    expect((await logIn(t, bob.user.email, bob.password)).status).toBe(200)
  })

  it('limits logins per IP across accounts', async () => {
    const t = await createTestApp({ RATE_LIMIT_LOGIN_IP: '3/60' })
    for (let i = 0; i < 3; i++)
      expect((await logIn(t, `someone${i}@example.com`, 'any password here')).status).toBe(401)
    const res = await logIn(t, 'someone-else@example.com', 'any password here')
    expect(res.status).toBe(429)
    expect(res.headers.get('ratelimit')).toMatch(/^"login-ip";r=0;t=\d+$/)
  })

  it('limits sign-ups and password-reset requests per IP', async () => {
    const t = await createTestApp({ RATE_LIMIT_SIGNUP_IP: '2/3600', RATE_LIMIT_PASSWORD_RESET_IP: '2/900' })
    await signUpUser(t)
    await signUpUser(t)
    const third = await t.request(
      '/v1/auth/signup',
      post({ email: 'c@example.com', password: 'long enough words', name: 'C' }),
    )
    expect(third.status).toBe(429)
    expect(third.headers.get('ratelimit-policy')).toContain('"signup";q=2;w=3600')
    for (let i = 0; i < 2; i++) {
      expect((await t.request('/v1/auth/password-reset', post({ email: 'x@example.com' }))).status).toBe(202)
    }
    const reset = await t.request('/v1/auth/password-reset', post({ email: 'x@example.com' }))
    expect(reset.status).toBe(429)
    expect(reset.headers.get('ratelimit')).toMatch(/^"password-reset";r=0;t=\d+$/)
  })

  it('applies a general limit per principal to every /v1 route, with the headers on every response', async () => {
    const t = await createTestApp({ RATE_LIMIT_DEFAULT: '5/60' })
    const alice = await signUpUser(t) // one anonymous request, counted per IP
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      const res = await t.request('/v1/me', { headers: alice.authHeaders })
      statuses.push(res.status)
      expect(res.headers.get('ratelimit-policy')).toBe('"default";q=5;w=60')
      expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^"default";r=${Math.max(0, 4 - i)};t=\\d+$`))
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429])
    // Another principal has its own budget.
    const bob = await signUpUser(t)
    expect((await t.request('/v1/me', { headers: bob.authHeaders })).status).toBe(200)
    // Operations endpoints outside /v1 are not limited.
    expect((await t.request('/healthz')).headers.get('ratelimit')).toBeNull()
  })

  it('can be turned off', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false', RATE_LIMIT_LOGIN_ACCOUNT: '1/60' })
    for (let i = 0; i < 3; i++) {
      const res = await logIn(t, 'nobody@example.com', 'any password here')
      expect(res.status).toBe(401)
      expect(res.headers.get('ratelimit')).toBeNull()
    }
  })

  it('shares counters between instances through Redis when REDIS_URL is set', async () => {
    const a = await createTestApp({ REDIS_URL, RATE_LIMIT_LOGIN_ACCOUNT: '4/60' })
    const b = await createTestApp({ REDIS_URL, RATE_LIMIT_LOGIN_ACCOUNT: '4/60' })
    // A fresh address per run: Redis outlives the test, and its counters must not leak into the next run.
    const email = `redis-${randomBytes(6).toString('hex')}@example.com`
    expect((await logIn(a, email, 'any password here')).status).toBe(401)
    expect((await logIn(b, email, 'any password here')).status).toBe(401)
    expect((await logIn(a, email, 'any password here')).status).toBe(401)
    const fourth = await logIn(b, email, 'any password here')
    expect(fourth.headers.get('ratelimit')).toMatch(/^"login-account";r=0;t=\d+$/)
    const fifth = await logIn(a, email, 'any password here')
    expect(fifth.status).toBe(429)
    expect(Number(fifth.headers.get('retry-after'))).toBeGreaterThan(0)
  })
})
