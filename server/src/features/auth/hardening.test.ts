import { describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app.js'
import { post } from '../../test/requests.js'
import { startTestSmtp } from '../../test/smtp.js'
import { createApiKeyFor, signUpUser } from '../../test/users.js'
import { PASSWORD_HASH_COST } from './passwords.js'

/** How many argon2id hashes (`kind` "hash") or verifications ("verify") the app has run, from /metrics. */
async function hashingWork(t: TestApp, kind: 'hash' | 'verify'): Promise<number> {
  const text = await (await t.request('/metrics')).text()
  const match = new RegExp(`^password_hash_operations_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text)
  return Number(match?.[1] ?? 0)
}

describe('password hashing under load', () => {
  it('refuses logins beyond the hashing queue with 503 server_busy and Retry-After, and serves the rest', async () => {
    // At the production cost, so that a hash takes long enough for the burst to queue behind it.
    const t = await createTestApp(
      { RATE_LIMITS_ENABLED: 'false', PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '1' },
      { passwordHashCost: 'default' },
    )
    const alice = await signUpUser(t)
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.request('/v1/auth/login', post({ email: alice.user.email, password: `wrong guess ${i}` })),
      ),
    )
    const busy = results.filter((r) => r.status === 503)
    expect(busy.length).toBeGreaterThan(0)
    expect(results.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(2)
    expect(busy[0]?.headers.get('retry-after')).toBe('1')
    expect(await busy[0]?.json()).toMatchObject({ status: 503, code: 'server_busy' })
    // Refused attempts did no hashing: only the admitted ones were verified.
    expect(await hashingWork(t, 'verify')).toBe(8 - busy.length)
    // Once the burst is over, the owner signs in as usual.
    expect(
      (await t.request('/v1/auth/login', post({ email: alice.user.email, password: alice.password }))).status,
    ).toBe(200)
  })

  it("hashes passwords with argon2id at OWASP's cost (19 MiB, 2 passes, 1 lane) unless told otherwise", async () => {
    expect(PASSWORD_HASH_COST).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1 })
    const t = await createTestApp({}, { passwordHashCost: 'default' })
    const alice = await signUpUser(t)
    const { password_hash } = await t.ctx.db.kysely
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', alice.user.id)
      .executeTakeFirstOrThrow()
    expect(password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect(
      (await t.request('/v1/auth/login', post({ email: alice.user.email, password: alice.password }))).status,
    ).toBe(200)
  })

  it('checks a reset token before hashing the new password, so bogus tokens cost no hashing', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const before = await hashingWork(t, 'hash')
    for (let i = 0; i < 3; i++) {
      const res = await t.request(
        '/v1/auth/password-reset/confirm',
        post({ token: `pr_bogus${i}`, newPassword: 'a perfectly fine passphrase' }),
      )
      expect(res.status).toBe(422)
      expect((await res.json()).code).toBe('invalid_token')
    }
    expect(await hashingWork(t, 'hash')).toBe(before)
  })
})

describe('secrets in answers', () => {
  it('marks every answer that carries a token or an API key Cache-Control: no-store', async () => {
    const t = await createTestApp()
    const signUp = await t.request(
      '/v1/auth/signup',
      post({ email: 'ada@example.com', password: 'analytical engine notes', name: 'Ada' }),
    )
    expect(signUp.headers.get('cache-control')).toBe('no-store')
    const login = await t.request(
      '/v1/auth/login',
      post({ email: 'ada@example.com', password: 'analytical engine notes' }),
    )
    expect(login.headers.get('cache-control')).toBe('no-store')
    const { accessToken, refreshToken } = await login.json()
    const refresh = await t.request('/v1/auth/refresh', post({ refreshToken }))
    expect(refresh.headers.get('cache-control')).toBe('no-store')
    const key = await t.request(
      '/v1/me/api-keys',
      post({ name: 'k', scopes: ['read'] }, { Authorization: `Bearer ${accessToken}` }),
    )
    expect(key.status).toBe(201)
    expect(key.headers.get('cache-control')).toBe('no-store')
  })
})

describe('API keys and the password', () => {
  it('changing the password revokes every API key, unless the user keeps them', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const first = await createApiKeyFor(t, alice.accessToken, ['read'])
    const change = (currentPassword: string, newPassword: string, extra: Record<string, unknown> = {}) =>
      t.request('/v1/me/password', post({ currentPassword, newPassword, ...extra }, alice.authHeaders))

    const kept = await change(alice.password, 'a second long passphrase', { keepApiKeys: true })
    expect(kept.status).toBe(204)
    expect((await t.request('/v1/me', { headers: first.authHeaders })).status).toBe(200)

    expect((await change('a second long passphrase', 'a third long passphrase')).status).toBe(204)
    const revoked = await t.request('/v1/me', { headers: first.authHeaders })
    expect(revoked.status).toBe(401)
    expect((await revoked.json()).code).toBe('api_key_revoked')
    expect((await (await t.request('/v1/me/api-keys', { headers: alice.authHeaders })).json()).data).toEqual([])
  })

  it('a password reset revokes every API key', async () => {
    const smtp = await startTestSmtp()
    const t = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://app.example.com' })
    const alice = await signUpUser(t, { email: 'alice@example.com' })
    const key = await createApiKeyFor(t, alice.accessToken, ['read', 'write'])
    await t.request('/v1/auth/password-reset', post({ email: 'alice@example.com' }))
    const mail = await smtp.waitForMail('alice@example.com', /reset/i)
    const token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1]
    const reset = await t.request(
      '/v1/auth/password-reset/confirm',
      post({ token, newPassword: 'a brand new passphrase' }),
    )
    expect(reset.status).toBe(204)
    const res = await t.request('/v1/me', { headers: key.authHeaders })
    expect(res.status).toBe(401)
    expect((await res.json()).code).toBe('api_key_revoked')
  })
})
