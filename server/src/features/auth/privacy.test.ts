import { describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app.js'
import { startTestSmtp } from '../../test/smtp.js'
import { createApiKeyFor, signUpUser } from '../../test/users.js'

/** Wraps the app's fetch so every raw response body is kept, for searching afterwards. */
function recording(t: TestApp) {
  const bodies: { where: string; sent: string; text: string }[] = []
  const request = async (path: string, init: RequestInit = {}) => {
    const res = await t.request(path, init)
    const where = `${init.method ?? 'GET'} ${path} → ${res.status}`
    bodies.push({ where, sent: `${path} ${String(init.body ?? '')}`, text: await res.clone().text() })
    return res
  }
  return { bodies, request }
}

describe('what responses reveal', () => {
  it('no response contains a password hash, a token hash, a password or another user', async () => {
    const smtp = await startTestSmtp()
    const t = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://app.example.com' })
    const { bodies, request } = recording(t)
    const alice = await signUpUser(t, { email: 'alice@example.com', name: 'Alice Example' })
    const bob = await signUpUser(t, {
      email: 'bob@example.com',
      name: 'Bob Bystander',
      password: 'bobs own secret phrase',
    })
    const bobKey = await createApiKeyFor(t, bob.accessToken, ['read'])
    const h = { ...alice.authHeaders, 'content-type': 'application/json' }
    const post = (path: string, body: unknown, headers: Record<string, string> = h) =>
      request(path, { method: 'POST', headers, body: JSON.stringify(body) })

    // Everything Alice can call, successful or not.
    const login = await (
      await post(
        '/v1/auth/login',
        { email: 'alice@example.com', password: alice.password },
        {
          'content-type': 'application/json',
        },
      )
    ).json()
    await post(
      '/v1/auth/login',
      { email: 'bob@example.com', password: 'wrong guess at bobs' },
      { 'content-type': 'application/json' },
    )
    await request('/v1/me', { headers: h })
    await request('/v1/me', { method: 'PATCH', headers: h, body: JSON.stringify({ name: 'Alice E.' }) })
    await request('/v1/me/sessions', { headers: h })
    const bobSessions = await t.request('/v1/me/sessions', { headers: bob.authHeaders })
    const bobSessionId = (await bobSessions.json()).data[0].id
    await request(`/v1/me/sessions/${bobSessionId}`, { method: 'DELETE', headers: h })
    await post('/v1/me/api-keys', { name: 'mine', scopes: ['read'] })
    await request('/v1/me/api-keys', { headers: h })
    await request(`/v1/me/api-keys/${bobKey.apiKey.id}`, { method: 'DELETE', headers: h })
    await post('/v1/auth/refresh', { refreshToken: login.refreshToken }, { 'content-type': 'application/json' })
    await post(
      '/v1/auth/refresh',
      { refreshToken: bob.refreshToken.slice(0, -2) },
      { 'content-type': 'application/json' },
    )
    await post('/v1/auth/email-verification', {})
    await post('/v1/auth/password-reset', { email: 'bob@example.com' }, { 'content-type': 'application/json' })
    await post(
      '/v1/auth/password-reset/confirm',
      { token: 'pr_guess', newPassword: 'some new passphrase' },
      {
        'content-type': 'application/json',
      },
    )
    await post('/v1/me/password', { currentPassword: 'wrong current one', newPassword: 'some new passphrase' })
    await request('/v1/me', { method: 'DELETE', headers: h, body: JSON.stringify({ password: 'wrong password here' }) })
    // Last: from here on Alice's own answers carry the address she typed, as her pending email.
    await request('/v1/me', {
      method: 'PATCH',
      headers: h,
      body: JSON.stringify({ email: 'bob@example.com', currentPassword: alice.password }),
    })
    await post('/v1/auth/logout', {})
    await t.ctx.auth.idle()

    const db = t.ctx.db.kysely
    const secrets = [
      ...(await db.selectFrom('users').select('password_hash').execute()).map((r) => r.password_hash),
      ...(await db.selectFrom('refresh_tokens').select('token_hash').execute()).map((r) => r.token_hash),
      ...(await db.selectFrom('api_keys').select('key_hash').execute()).map((r) => r.key_hash),
      ...(await db.selectFrom('email_tokens').select('token_hash').execute()).map((r) => r.token_hash),
      ...(await db.selectFrom('sessions').select('grace_token').execute()).flatMap((r) =>
        r.grace_token ? [r.grace_token] : [],
      ),
      '$argon2id$',
      alice.password,
      bob.password,
      // Bob's data: nothing of his may reach Alice.
      bob.user.id,
      'bob@example.com',
      'Bob Bystander',
      bobSessionId,
      bobKey.key,
      bobKey.apiKey.id,
      bob.refreshToken,
    ]
    expect(bodies.length).toBeGreaterThan(15)
    for (const { where, sent, text } of bodies) {
      for (const secret of secrets) {
        // Echoing what the caller sent (a problem's `instance` is the request path) discloses nothing.
        if (sent.includes(secret)) continue
        expect(text.includes(secret), `${where} reveals ${secret.slice(0, 12)}…`).toBe(false)
      }
    }
    // Bob's key and session survived Alice's attempts on them.
    expect((await t.request('/v1/me', { headers: bobKey.authHeaders })).status).toBe(200)
  })
})
