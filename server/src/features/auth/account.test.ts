import { createTasklane } from '@tasklane/sdk'
import { describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app.js'
import { signUpUser } from '../../test/users.js'

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

const logIn = (t: TestApp, email: string, password: string) => t.request('/v1/auth/login', json({ email, password }))
const post = json
const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code
const refresh = (t: TestApp, refreshToken: string) => t.request('/v1/auth/refresh', post({ refreshToken }))
const me = (t: TestApp, accessToken: string) =>
  t.request('/v1/me', { headers: { Authorization: `Bearer ${accessToken}` } })

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

describe('changing the password', () => {
  it('changePassword needs the current password and ends every other session', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const other = await (
      await t.request('/v1/auth/login', post({ email: alice.user.email, password: alice.password }))
    ).json()
    const wrong = await t.request(
      '/v1/me/password',
      post({ currentPassword: 'not my password at all', newPassword: 'a brand new passphrase' }, alice.authHeaders),
    )
    expect(wrong.status).toBe(422)
    expect(await codeOf(wrong)).toBe('invalid_password')
    const ok = await t.request(
      '/v1/me/password',
      post({ currentPassword: alice.password, newPassword: 'a brand new passphrase' }, alice.authHeaders),
    )
    expect(ok.status).toBe(204)
    expect((await me(t, alice.accessToken)).status).toBe(200)
    expect(await codeOf(await me(t, other.accessToken))).toBe('session_revoked')
    expect(await codeOf(await refresh(t, other.refreshToken))).toBe('session_revoked')
    const oldLogin = await t.request('/v1/auth/login', post({ email: alice.user.email, password: alice.password }))
    expect(oldLogin.status).toBe(401)
    const newLogin = await t.request(
      '/v1/auth/login',
      post({ email: alice.user.email, password: 'a brand new passphrase' }),
    )
    expect(newLogin.status).toBe(200)
  })
})

describe('deleting the account', () => {
  it('needs the password, then removes the user with sessions and keys', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const key = await t.request('/v1/me/api-keys', post({ name: 'k', scopes: ['read'] }, alice.authHeaders))
    const { key: secret } = await key.json()
    const del = (password: string) =>
      t.request('/v1/me', {
        method: 'DELETE',
        headers: { ...alice.authHeaders, 'content-type': 'application/json' },
        body: JSON.stringify({ password }),
      })
    const wrong = await del('not the password at all')
    expect(wrong.status).toBe(422)
    expect((await del(alice.password)).status).toBe(204)
    expect((await t.request('/v1/me', { headers: alice.authHeaders })).status).toBe(401)
    expect((await t.request('/v1/me', { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(401)
    const login = await t.request('/v1/auth/login', post({ email: alice.user.email, password: alice.password }))
    expect(login.status).toBe(401)
    const db = t.ctx.db.kysely
    for (const table of ['users', 'sessions', 'refresh_tokens', 'api_keys', 'email_tokens'] as const) {
      const rows = await db.selectFrom(table).selectAll().execute()
      expect(rows, table).toHaveLength(0)
    }
  })
})
