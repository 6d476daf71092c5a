import { describe, expect, it } from 'vitest'
import type { AuthResult, Identity } from '../../../generated/routes.js'
import {
  APP_REDIRECT,
  appWithTwoProviders,
  expectProblem,
  json,
  pkce,
  signInWith,
  startSignIn,
} from '../../../test/identities.js'
import { createApiKeyFor, signUpUser } from '../../../test/users.js'

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })

describe('linking provider accounts', () => {
  it('links a provider account to a signed-in password account, which then signs in with it', async () => {
    const { t, gh } = await appWithTwoProviders()
    const ada = await signUpUser(t, { email: 'ada@example.com' })
    // Her GitHub account has another address: being signed in at both is the proof, not the address.
    gh.users.set('ada-gh', {
      id: 10,
      login: 'ada-gh',
      emails: [{ email: 'ada@work.example', primary: true, verified: true }],
    })
    const link = await signInWith(t, 'github', (url) => gh.authorize(url, 'ada-gh'), ada.authHeaders)
    const linked = await link.response()
    expect(linked.status).toBe(201)
    const identity = (await linked.json()) as Identity
    expect(identity).toMatchObject({ provider: 'github', providerName: 'GitHub', email: 'ada@work.example' })
    expect(linked.headers.get('location')).toBe(`/v1/me/identities/${identity.id}`)

    const signIn = await (await signInWith(t, 'github', (url) => gh.authorize(url, 'ada-gh'))).response()
    expect(((await signIn.json()) as AuthResult).user.id).toBe(ada.user.id)
    const again = await (
      await signInWith(t, 'github', (url) => gh.authorize(url, 'ada-gh'), ada.authHeaders)
    ).response()
    expect(again.status).toBe(200)
    const list = await t.request('/v1/me/identities', { headers: ada.authHeaders })
    expect(((await list.json()) as { data: Identity[] }).data.map((i) => i.id)).toEqual([identity.id])
  })

  it('lets a victim whose address an attacker claimed link their own provider account, and refuses a taken one', async () => {
    const { t, op } = await appWithTwoProviders()
    const victim = await signUpUser(t, { email: 'victim@example.com' })
    op.accounts.set('victim-at-op', { email: 'victim@example.com', email_verified: true })
    const claimed = await (await signInWith(t, 'test', (url) => op.login(url, 'victim-at-op'))).response()
    await expectProblem(claimed, 409, 'account_exists')
    const linked = await (
      await signInWith(t, 'test', (url) => op.login(url, 'victim-at-op'), victim.authHeaders)
    ).response()
    expect(linked.status).toBe(201)
    // Someone else signed in cannot attach the same provider account to theirs.
    const other = await signUpUser(t)
    const stolen = await (
      await signInWith(t, 'test', (url) => op.login(url, 'victim-at-op'), other.authHeaders)
    ).response()
    await expectProblem(stolen, 409, 'identity_taken')
  })

  it('keeps link codes and sign-in codes apart, and a link code to the user who started it', async () => {
    const { t, gh } = await appWithTwoProviders()
    const ada = await signUpUser(t)
    const bob = await signUpUser(t)
    gh.users.set('x', { id: 11, login: 'x', emails: [{ email: 'x@example.com', primary: true, verified: true }] })
    const link = await signInWith(t, 'github', (url) => gh.authorize(url, 'x'), ada.authHeaders)
    const asSignIn = await t.request(
      '/v1/auth/providers/exchange',
      json('POST', { code: link.code, codeVerifier: link.verifier }),
    )
    await expectProblem(asSignIn, 422, 'invalid_code')
    const byBob = await t.request(
      '/v1/me/identities',
      json('POST', { code: link.code, codeVerifier: link.verifier }, bob.authHeaders),
    )
    await expectProblem(byBob, 422, 'invalid_code')
    expect((await link.response()).status).toBe(201)
    const signIn = await signInWith(t, 'github', (url) => gh.authorize(url, 'x'))
    const asLink = await t.request(
      '/v1/me/identities',
      json('POST', { code: signIn.code, codeVerifier: signIn.verifier }, ada.authHeaders),
    )
    await expectProblem(asLink, 422, 'invalid_code')
  })

  it('unlinks a provider, ending its sessions; an account without a password keeps its last one', async () => {
    const { t, op, gh } = await appWithTwoProviders()
    op.accounts.set('grace', { email: 'grace@example.com', email_verified: true })
    gh.users.set('grace-gh', {
      id: 12,
      login: 'grace-gh',
      emails: [{ email: 'grace@example.com', primary: true, verified: true }],
    })
    const viaOp = (await (
      await signInWith(t, 'test', (url) => op.login(url, 'grace'))
    )
      .response()
      .then((r) => r.json())) as AuthResult
    const headers = bearer(viaOp.accessToken)
    expect(
      (await (await signInWith(t, 'github', (url) => gh.authorize(url, 'grace-gh'), headers)).response()).status,
    ).toBe(201)
    const viaGh = (await (
      await signInWith(t, 'github', (url) => gh.authorize(url, 'grace-gh'))
    )
      .response()
      .then((r) => r.json())) as AuthResult
    expect(viaGh.user.id).toBe(viaOp.user.id)

    const { data } = (await (await t.request('/v1/me/identities', { headers })).json()) as { data: Identity[] }
    const github = data.find((i) => i.provider === 'github')
    const test = data.find((i) => i.provider === 'test')
    expect((await t.request(`/v1/me/identities/${github?.id}`, { method: 'DELETE', headers })).status).toBe(204)
    // The session GitHub started has ended; the one the other provider started goes on.
    const refreshed = await t.request('/v1/auth/refresh', json('POST', { refreshToken: viaGh.refreshToken }))
    await expectProblem(refreshed, 401, 'session_revoked')
    expect((await t.request('/v1/me', { headers })).status).toBe(200)
    await expectProblem(
      await t.request(`/v1/me/identities/${test?.id}`, { method: 'DELETE', headers }),
      409,
      'last_sign_in_method',
    )
    await expectProblem(
      await t.request(`/v1/me/identities/${github?.id}`, { method: 'DELETE', headers }),
      404,
      'not_found',
    )
  })

  it('lets an account with a password unlink its only provider', async () => {
    const { t, gh } = await appWithTwoProviders()
    const ada = await signUpUser(t)
    gh.users.set('a', { id: 13, login: 'a', emails: [{ email: 'a@example.com', primary: true, verified: true }] })
    const identity = (await (
      await signInWith(t, 'github', (url) => gh.authorize(url, 'a'), ada.authHeaders)
    )
      .response()
      .then((r) => r.json())) as Identity
    expect(
      (await t.request(`/v1/me/identities/${identity.id}`, { method: 'DELETE', headers: ada.authHeaders })).status,
    ).toBe(204)
  })
})

describe('who may use the provider operations', () => {
  it('needs a signed-in session (not an API key, not nobody) for the identity operations', async () => {
    const { t } = await appWithTwoProviders()
    const ada = await signUpUser(t)
    const key = await createApiKeyFor(t, ada.accessToken, ['read', 'write'])
    const id = 'idt_01JD8X3Z7Q2W6V5T4R3P1N0M9K'
    const start = {
      provider: 'github',
      redirectUri: APP_REDIRECT,
      codeChallenge: pkce().challenge,
      codeChallengeMethod: 'S256',
    }
    const exchange = { code: 'pc_abc', codeVerifier: 'v'.repeat(43) }
    const calls: [string, (h: Record<string, string>) => Promise<Response>, number][] = [
      ['listIdentities', (h) => t.request('/v1/me/identities', { headers: h }), 200],
      ['startIdentityLink', (h) => t.request('/v1/me/identities/authorizations', json('POST', start, h)), 200],
      ['linkIdentity', (h) => t.request('/v1/me/identities', json('POST', exchange, h)), 422],
      ['unlinkIdentity', (h) => t.request(`/v1/me/identities/${id}`, { method: 'DELETE', headers: h }), 404],
    ]
    for (const [operation, call, signedIn] of calls) {
      expect([operation, (await call({})).status]).toEqual([operation, 401])
      expect([operation, (await call(key.authHeaders)).status]).toEqual([operation, 403])
      expect([operation, (await call(ada.authHeaders)).status]).toEqual([operation, signedIn])
    }
  })

  it('lets anyone list providers, start, come back and exchange (the sign-in itself needs no credentials)', async () => {
    const { t, op } = await appWithTwoProviders()
    op.accounts.set('z', { email: 'z@example.com', email_verified: true })
    expect((await t.request('/v1/auth/providers')).status).toBe(200)
    const res = await (await signInWith(t, 'test', (url) => op.login(url, 'z'))).response()
    expect(res.status).toBe(200)
  })

  it('rate-limits starting and finishing sign-ins per client IP', async () => {
    const { t } = await appWithTwoProviders({ RATE_LIMIT_PROVIDER_SIGNIN_IP: '3/60' })
    for (let i = 0; i < 2; i++) await startSignIn(t, 'github')
    const exchange = await t.request(
      '/v1/auth/providers/exchange',
      json('POST', { code: 'pc_nope', codeVerifier: 'v'.repeat(43) }),
    )
    await expectProblem(exchange, 422, 'invalid_code')
    expect(exchange.headers.get('ratelimit-policy')).toContain('"provider-signin";q=3;w=60')
    const blocked = await t.request(
      '/v1/auth/providers/github/authorizations',
      json('POST', { redirectUri: APP_REDIRECT, codeChallenge: pkce().challenge, codeChallengeMethod: 'S256' }),
    )
    await expectProblem(blocked, 429, 'rate_limited')
    expect(blocked.headers.get('ratelimit')).toMatch(/^"provider-signin";r=0;t=\d+$/)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    const ada = await signUpUser(t)
    const link = await t.request(
      '/v1/me/identities/authorizations',
      json(
        'POST',
        { provider: 'github', redirectUri: APP_REDIRECT, codeChallenge: pkce().challenge, codeChallengeMethod: 'S256' },
        ada.authHeaders,
      ),
    )
    await expectProblem(link, 429, 'rate_limited')
  })
})
