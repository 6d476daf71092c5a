import { describe, expect, it } from 'vitest'
import type { AuthResult } from '../../../generated/routes.js'
import { createTestApp } from '../../../test/app.js'
import { APP_REDIRECT, appWithOidcProvider, expectProblem, signInThroughProvider } from '../../../test/identities.js'

describe('signing in with an OpenID Connect provider', () => {
  it('lists the enabled providers publicly, and none by default', async () => {
    const { t } = await appWithOidcProvider()
    const res = await t.request('/v1/auth/providers')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ data: [{ id: 'test', name: 'Test ID', type: 'oidc' }] })
    const plain = await createTestApp()
    expect(await (await plain.request('/v1/auth/providers')).json()).toEqual({ data: [] })
  })

  it('creates a verified account on first sign-in and signs the same account in again', async () => {
    const { t, op } = await appWithOidcProvider()
    op.accounts.set('ada-at-provider', { email: 'Ada@Example.com', email_verified: true, name: 'Ada Lovelace' })
    const first = await signInThroughProvider(t, op, 'ada-at-provider')
    // Back at the app: a one-time code and the app's state, and nothing else (no token in the URL).
    expect(`${first.back.origin}${first.back.pathname}`).toBe(APP_REDIRECT)
    expect([...first.back.searchParams.keys()].sort()).toEqual(['code', 'state'])
    expect(first.back.searchParams.get('state')).toBe('app-state')
    const res = await first.response()
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const session = (await res.json()) as AuthResult
    expect(session.user).toMatchObject({ email: 'Ada@Example.com', name: 'Ada Lovelace', emailVerified: true })
    const me = await t.request('/v1/me', { headers: { Authorization: `Bearer ${session.accessToken}` } })
    expect(await me.json()).toMatchObject({ id: session.user.id })
    // Listed with the provider it was started with.
    const sessions = await t.request('/v1/me/sessions', { headers: { Authorization: `Bearer ${session.accessToken}` } })
    expect(await sessions.json()).toMatchObject({ data: [{ provider: 'test', current: true }] })
    // An ordinary session: it refreshes like any other.
    const refreshed = await t.request('/v1/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: session.refreshToken }),
    })
    expect(refreshed.status).toBe(200)

    const again = await (await signInThroughProvider(t, op, 'ada-at-provider')).response()
    expect(again.status).toBe(200)
    expect(((await again.json()) as AuthResult).user.id).toBe(session.user.id)
  })

  it('refuses an exchange without the verifier whose challenge started the sign-in', async () => {
    const { t, op } = await appWithOidcProvider()
    op.accounts.set('bob', { email: 'bob@example.com', email_verified: true })
    const flow = await signInThroughProvider(t, op, 'bob')
    const res = await t.request('/v1/auth/providers/exchange', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: flow.code, codeVerifier: 'x'.repeat(43) }),
    })
    await expectProblem(res, 422, 'invalid_code')
    // The right verifier still works: a wrong guess does not burn the code for its owner.
    expect((await flow.response()).status).toBe(200)
  })
})
