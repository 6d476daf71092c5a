import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app.js'
import { post } from '../../test/requests.js'
import { signUpUser } from '../../test/users.js'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

const logIn = (t: TestApp, email: string, password: string) => t.request('/v1/auth/login', post({ email, password }))

describe('rate limits', () => {
  it('throttles brute-force logins per account and IP with 429, Retry-After and the RateLimit headers', async () => {
    const t = await createTestApp({ TRUST_PROXY: 'true' })
    const alice = await signUpUser(t)
    const stranger = { 'X-Forwarded-For': '203.0.113.7' }
    const attempt = (password: string, headers: Record<string, string>) =>
      t.request('/v1/auth/login', post({ email: alice.user.email, password }, headers))
    for (let i = 1; i <= 10; i++) {
      const res = await attempt(`wrong password number ${i}`, stranger)
      expect(res.status).toBe(401)
      expect(res.headers.get('ratelimit-policy')).toContain('"login-account-ip";q=10;w=900')
      expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^"login-account-ip";r=${10 - i};t=\\d+$`))
    }
    const blocked = await attempt(alice.password, stranger)
    expect(blocked.status).toBe(429)
    expect(blocked.headers.get('content-type')).toBe('application/problem+json')
    const retryAfter = Number(blocked.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(900)
    expect(blocked.headers.get('ratelimit-policy')).toBe(
      '"default";q=600;w=60, "login-ip";q=50;w=900, "login-account-ip";q=10;w=900',
    )
    expect(blocked.headers.get('ratelimit')).toMatch(/^"login-account-ip";r=0;t=\d+$/)
    const body = await blocked.json()
    expect(body).toMatchObject({ status: 429, code: 'rate_limited' })
    // The stranger has not locked the owner out: from her own address she still signs in.
    const owner = await attempt(alice.password, { 'X-Forwarded-For': '198.51.100.20' })
    expect(owner.status).toBe(200)
    // Nor other accounts.
    const bob = await signUpUser(t)
    expect((await logIn(t, bob.user.email, bob.password)).status).toBe(200)
  })

  it('caps logins per account across every address', async () => {
    const t = await createTestApp({ TRUST_PROXY: 'true', RATE_LIMIT_LOGIN_ACCOUNT: '3/60' })
    const alice = await signUpUser(t)
    const from = (n: number) => ({ 'X-Forwarded-For': `203.0.113.${n}` })
    for (let i = 1; i <= 3; i++) {
      const res = await t.request(
        '/v1/auth/login',
        post({ email: alice.user.email, password: `guess ${i} here` }, from(i)),
      )
      expect(res.status).toBe(401)
    }
    const res = await t.request('/v1/auth/login', post({ email: alice.user.email, password: alice.password }, from(9)))
    expect(res.status).toBe(429)
    expect(res.headers.get('ratelimit')).toMatch(/^"login-account";r=0;t=\d+$/)
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

  it('limits password checks of a signed-in user, right or wrong, per user and per IP', async () => {
    const t = await createTestApp({ RATE_LIMIT_PASSWORD_USER: '3/900', RATE_LIMIT_PASSWORD_IP: '6/900' })
    const alice = await signUpUser(t)
    const h = { ...alice.authHeaders }
    const change = (currentPassword: string) =>
      t.request('/v1/me/password', post({ currentPassword, newPassword: 'another long passphrase' }, h))
    const del = (password: string) =>
      t.request('/v1/me', {
        method: 'DELETE',
        headers: { ...h, 'content-type': 'application/json' },
        body: JSON.stringify({ password }),
      })
    expect((await change('wrong guess one')).status).toBe(422)
    expect((await del('wrong guess two')).status).toBe(422)
    expect((await change('wrong guess three')).status).toBe(422)
    const blocked = await change(alice.password)
    expect(blocked.status).toBe(429)
    expect(blocked.headers.get('ratelimit')).toMatch(/^"password-user";r=0;t=\d+$/)
    expect((await del(alice.password)).status).toBe(429)
    // The account is untouched: the password did not change and the account still exists.
    expect((await logIn(t, alice.user.email, alice.password)).status).toBe(200)

    // Reset tokens are hashed work too: guessing them counts against the same per-IP limit (5 used so far).
    const reset = () =>
      t.request('/v1/auth/password-reset/confirm', post({ token: 'pr_guess', newPassword: 'a fine new passphrase' }))
    const statuses = [await reset(), await reset(), await reset()].map((r) => r.status)
    expect(statuses).toEqual([422, 429, 429])
  })

  it('limits verification and email-change mails per user and per recipient', async () => {
    const t = await createTestApp({ RATE_LIMIT_EMAIL_USER: '2/3600', RATE_LIMIT_EMAIL_RECIPIENT: '1/3600' })
    const alice = await signUpUser(t)
    const bob = await signUpUser(t)
    const changeTo = (user: typeof alice, email: string) =>
      t.request('/v1/me', {
        method: 'PATCH',
        headers: { ...user.authHeaders, 'content-type': 'application/json' },
        body: JSON.stringify({ email, currentPassword: user.password }),
      })
    const verify = () => t.request('/v1/auth/email-verification', { method: 'POST', headers: alice.authHeaders })
    expect((await verify()).status).toBe(202)
    expect((await changeTo(alice, 'target@example.com')).status).toBe(200)
    const third = await verify()
    expect(third.status).toBe(429)
    expect(third.headers.get('ratelimit')).toMatch(/^"email-user";r=0;t=\d+$/)

    // Another user cannot send a second mail to the same address.
    const again = await changeTo(bob, 'TARGET@example.com')
    expect(again.status).toBe(429)
    expect(again.headers.get('ratelimit')).toMatch(/^"email-recipient";r=0;t=\d+$/)
    const bobNow = await (await t.request('/v1/me', { headers: bob.authHeaders })).json()
    expect(bobNow.pendingEmail).toBeNull()
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
    const env = { REDIS_URL, RATE_LIMIT_LOGIN_ACCOUNT: '4/60', TRUST_PROXY: 'true' }
    const a = await createTestApp(env)
    const b = await createTestApp(env)
    // A fresh address and client IP per run: Redis outlives the test, and its counters must not leak into
    // the next run.
    const run = randomBytes(6).toString('hex')
    const email = `redis-${run}@example.com`
    const headers = { 'X-Forwarded-For': `198.51.100.${Number.parseInt(run.slice(0, 2), 16)}, 10.0.0.1` }
    const attempt = (t: TestApp) =>
      t.request('/v1/auth/login', post({ email, password: `any password here ${run}` }, headers))
    expect((await attempt(a)).status).toBe(401)
    expect((await attempt(b)).status).toBe(401)
    expect((await attempt(a)).status).toBe(401)
    const fourth = await attempt(b)
    expect(fourth.headers.get('ratelimit')).toMatch(/^"login-account";r=0;t=\d+$/)
    const fifth = await attempt(a)
    expect(fifth.status).toBe(429)
    expect(Number(fifth.headers.get('retry-after'))).toBeGreaterThan(0)
  })
})
