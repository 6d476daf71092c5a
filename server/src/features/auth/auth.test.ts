import { createTasklane } from '@tasklane/sdk'
import { describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app.js'
import { createApiKeyFor, signUpUser } from '../../test/users.js'

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

const logIn = (t: TestApp, email: string, password: string) => t.request('/v1/auth/login', json({ email, password }))

describe('sign up, log in, me', () => {
  it('signs up, logs in and reads the profile through the SDK', async () => {
    const t = await createTestApp()
    const sdk = createTasklane({ baseUrl: t.baseUrl, fetch: (req) => t.fetch(req) })
    const signUp = await sdk.POST('/v1/auth/signup', {
      body: { email: 'Ada@Example.com', password: 'analytical engine notes', name: 'Ada' },
    })
    expect(signUp.response.status).toBe(201)
    expect(signUp.response.headers.get('location')).toBe('/v1/me')
    expect(signUp.data?.user).toMatchObject({ email: 'Ada@Example.com', name: 'Ada', emailVerified: false })
    expect(signUp.data?.expiresIn).toBe(900)

    const login = await sdk.POST('/v1/auth/login', {
      body: { email: 'ada@example.COM', password: 'analytical engine notes' },
    })
    expect(login.response.status).toBe(200)
    const authed = createTasklane({
      baseUrl: t.baseUrl,
      accessToken: login.data?.accessToken ?? '',
      fetch: (req) => t.fetch(req),
    })
    const me = await authed.GET('/v1/me')
    expect(me.data).toEqual(signUp.data?.user)
  })

  it('refuses a second account with the same email in another case', async () => {
    const t = await createTestApp()
    await signUpUser(t, { email: 'grace@example.com' })
    const res = await t.request(
      '/v1/auth/signup',
      json({ email: 'GRACE@example.com', password: 'another long passphrase', name: 'G' }),
    )
    expect(res.status).toBe(409)
    expect((await res.json()).code).toBe('email_taken')
  })

  it('takes every address that format: email allows, and refuses what it does not', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const signUp = (email: string) =>
      t.request('/v1/auth/signup', json({ email, password: 'a long enough test passphrase', name: 'E' }))
    for (const email of [
      "o'brien!#$%&*+/=?^_`{|}~-@example.com",
      'x.y@example.xn--p1ai',
      'digits@123.example.42',
      'short@b.c',
      'UPPER.case@EXAMPLE.ORG',
    ]) {
      const res = await signUp(email)
      expect(res.status, email).toBe(201)
      expect((await res.json()).user.email).toBe(email)
      expect((await logIn(t, email.toLowerCase(), 'a long enough test passphrase')).status, email).toBe(200)
    }
    for (const email of ['no-at-sign', 'a..b@example.com', '.a@example.com', 'a@-example.com', 'a b@example.com']) {
      const res = await signUp(email)
      expect(res.status, email).toBe(400)
      expect((await res.json()).errors[0].path).toBe('/body/email')
    }
  })

  it('enforces the password policy: length and the common-password list, no composition rules', async () => {
    const t = await createTestApp()
    const attempt = (password: string) =>
      t.request('/v1/auth/signup', json({ email: `p${password.length}@example.com`, password, name: 'P' }))
    const short = await attempt('short1!')
    expect(short.status).toBe(400)
    expect((await short.json()).errors[0].path).toBe('/body/password')
    const long = await attempt('x'.repeat(257))
    expect(long.status).toBe(400)
    const common = await attempt('Password123')
    expect(common.status).toBe(422)
    expect((await common.json()).code).toBe('password_too_common')
    // From the breach-frequency list, in another case.
    expect((await attempt('BasketBall')).status).toBe(422)
    // Lower-case letters and spaces only: fine, no composition rules.
    expect((await attempt('just some lower case words')).status).toBe(201)
  })

  it('answers an unknown email exactly like a wrong password', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const wrong = await logIn(t, alice.user.email, 'not the right password')
    const unknown = await logIn(t, 'nobody@example.com', 'not the right password')
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined })
    expect(strip(await unknown.json())).toEqual(strip(await wrong.json()))
  })

  it('does the same hashing work for an unknown email as for a wrong password', async () => {
    // At the production cost: with the tests' minimal one, hashing is too quick to tell the two apart.
    const t = await createTestApp(
      { RATE_LIMIT_LOGIN_ACCOUNT: '1000/60', RATE_LIMIT_LOGIN_IP: '1000/60' },
      { passwordHashCost: 'default' },
    )
    const alice = await signUpUser(t)
    const time = async (email: string) => {
      const started = performance.now()
      for (let i = 0; i < 5; i++) await logIn(t, email, 'not the right password')
      return performance.now() - started
    }
    await time('warm-up@example.com')
    const known = await time(alice.user.email)
    const unknown = await time('nobody@example.com')
    // Both pay for argon2id; without the dummy hash an unknown email would answer many times faster.
    expect(unknown).toBeGreaterThan(known * 0.25)
    expect(unknown).toBeLessThan(known * 4)
  })
})

describe('authentication', () => {
  it('answers 401 unauthenticated without credentials and 401 token_invalid for garbage', async () => {
    const t = await createTestApp()
    const none = await t.request('/v1/me')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="tasklane"')
    expect((await none.json()).code).toBe('unauthenticated')
    const garbage = await t.request('/v1/me', { headers: { Authorization: 'Bearer nonsense' } })
    expect((await garbage.json()).code).toBe('token_invalid')
    const basic = await t.request('/v1/me', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } })
    expect((await basic.json()).code).toBe('token_invalid')
  })

  it('lets a stale token through on public routes such as logIn', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const res = await t.request(
      '/v1/auth/login',
      json({ email: alice.user.email, password: alice.password }, { Authorization: 'Bearer stale' }),
    )
    expect(res.status).toBe(200)
  })
})

describe('API keys', () => {
  it('creates a key shown once, lists it without the secret, and authenticates with it', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const { key, apiKey, authHeaders } = await createApiKeyFor(t, alice.accessToken, ['read', 'write'], {
      name: 'CI',
    })
    expect(key).toMatch(/^tl_[A-Za-z0-9_-]{43}$/)
    expect(apiKey).toMatchObject({ name: 'CI', scopes: ['read', 'write'], lastUsedAt: null, expiresAt: null })
    expect(key.startsWith(apiKey.prefix)).toBe(true)

    const me = await t.request('/v1/me', { headers: authHeaders })
    expect(me.status).toBe(200)
    expect((await me.json()).id).toBe(alice.user.id)

    const list = await t.request('/v1/me/api-keys', { headers: alice.authHeaders })
    const text = await list.text()
    expect(text).not.toContain(key)
    const body = JSON.parse(text)
    expect(body.data).toHaveLength(1)
    expect(body.data[0].id).toBe(apiKey.id)
    expect(body.data[0].lastUsedAt).not.toBeNull()
    expect(body.data[0]).not.toHaveProperty('key')
  })

  it('gives a read key 403 insufficient_scope on writes', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const { authHeaders } = await createApiKeyFor(t, alice.accessToken, ['read'])
    expect((await t.request('/v1/me', { headers: authHeaders })).status).toBe(200)
    const write = await t.request('/v1/me', {
      method: 'PATCH',
      headers: { ...authHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Mallory' }),
    })
    expect(write.status).toBe(403)
    expect((await write.json()).code).toBe('insufficient_scope')
  })

  it('does not let an API key manage keys or the account', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const { key } = await createApiKeyFor(t, alice.accessToken, ['write'])
    const res = await t.request(
      '/v1/me/api-keys',
      json({ name: 'more', scopes: ['write'] }, { Authorization: `Bearer ${key}` }),
    )
    expect(res.status).toBe(403)
    expect((await res.json()).code).toBe('session_required')
  })

  it('rejects revoked keys with api_key_revoked and expired keys with token_expired', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const revoked = await createApiKeyFor(t, alice.accessToken, ['read'])
    const del = await t.request(`/v1/me/api-keys/${revoked.apiKey.id}`, {
      method: 'DELETE',
      headers: alice.authHeaders,
    })
    expect(del.status).toBe(204)
    const afterRevoke = await t.request('/v1/me', { headers: revoked.authHeaders })
    expect(afterRevoke.status).toBe(401)
    expect((await afterRevoke.json()).code).toBe('api_key_revoked')
    const again = await t.request(`/v1/me/api-keys/${revoked.apiKey.id}`, {
      method: 'DELETE',
      headers: alice.authHeaders,
    })
    expect(again.status).toBe(404)

    const soon = new Date(Date.now() + 1500).toISOString()
    const expiring = await createApiKeyFor(t, alice.accessToken, ['read'], { expiresAt: soon })
    expect((await t.request('/v1/me', { headers: expiring.authHeaders })).status).toBe(200)
    await new Promise((r) => setTimeout(r, 1600))
    const expired = await t.request('/v1/me', { headers: expiring.authHeaders })
    expect(expired.status).toBe(401)
    expect((await expired.json()).code).toBe('token_expired')
  })

  it("answers 404 for another user's key", async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const bob = await signUpUser(t)
    const { apiKey, authHeaders } = await createApiKeyFor(t, alice.accessToken, ['read'])
    const res = await t.request(`/v1/me/api-keys/${apiKey.id}`, { method: 'DELETE', headers: bob.authHeaders })
    expect(res.status).toBe(404)
    expect((await t.request('/v1/me', { headers: authHeaders })).status).toBe(200)
  })
})
