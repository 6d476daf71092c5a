import { describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app.js'
import { createApiKeyFor, signUpUser } from '../../test/users.js'

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

const _logIn = (t: TestApp, email: string, password: string) => t.request('/v1/auth/login', json({ email, password }))

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
