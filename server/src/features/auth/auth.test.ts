import { describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app.js'
import { signUpUser } from '../../test/users.js'

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

const _logIn = (t: TestApp, email: string, password: string) => t.request('/v1/auth/login', json({ email, password }))

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
