import { describe, expect, it } from 'vitest'
import type { AuthResult, Identity } from '../../../generated/routes.js'
import type { TestApp } from '../../../test/app.js'
import {
  APP_REDIRECT,
  appWithTwoProviders,
  expectProblem,
  followCallback,
  json,
  pkce,
} from '../../../test/identities.js'
import { signUpUser } from '../../../test/users.js'

/** Re-authenticates the signed-in user at the provider; answers the `reauthenticate` response. */
async function reauthenticate(
  t: TestApp,
  headers: Record<string, string>,
  provider: string,
  atProvider: (url: string) => Promise<string>,
) {
  const { verifier, challenge } = pkce()
  const start = await t.request(
    '/v1/me/reauthentication/authorizations',
    json(
      'POST',
      { provider, redirectUri: APP_REDIRECT, codeChallenge: challenge, codeChallengeMethod: 'S256' },
      headers,
    ),
  )
  expect(start.status).toBe(200)
  const { authorizationUrl } = (await start.json()) as { authorizationUrl: string }
  const back = await followCallback(t, await atProvider(authorizationUrl))
  return t.request(
    '/v1/me/reauthentication',
    json('POST', { code: back.searchParams.get('code'), codeVerifier: verifier }, headers),
  )
}

async function providerAccount(t: TestApp, login: (url: string) => Promise<string>) {
  const { verifier, challenge } = pkce()
  const start = await t.request(
    '/v1/auth/providers/test/authorizations',
    json('POST', { redirectUri: APP_REDIRECT, codeChallenge: challenge, codeChallengeMethod: 'S256' }),
  )
  const { authorizationUrl } = (await start.json()) as { authorizationUrl: string }
  const back = await followCallback(t, await login(authorizationUrl))
  const res = await t.request(
    '/v1/auth/providers/exchange',
    json('POST', { code: back.searchParams.get('code'), codeVerifier: verifier }),
  )
  const auth = (await res.json()) as AuthResult
  return { auth, headers: { Authorization: `Bearer ${auth.accessToken}` } }
}

describe('accounts without a password', () => {
  it('delete themselves after signing in again at their provider, with a single-use token', async () => {
    const { t, op } = await appWithTwoProviders()
    op.accounts.set('grace', { email: 'grace@example.com', email_verified: true })
    const grace = await providerAccount(t, (url) => op.login(url, 'grace'))
    // No password to give: the password check cannot be passed.
    await expectProblem(
      await t.request('/v1/me', json('DELETE', { password: 'any guess at all' }, grace.headers)),
      422,
      'invalid_password',
    )
    const reauth = await reauthenticate(t, grace.headers, 'test', (url) => op.login(url, 'grace'))
    expect(reauth.status).toBe(201)
    expect(reauth.headers.get('cache-control')).toBe('no-store')
    const { reauthenticationToken } = (await reauth.json()) as { reauthenticationToken: string }
    expect((await t.request('/v1/me', json('DELETE', { reauthenticationToken }, grace.headers))).status).toBe(204)
    // Gone: the next sign-in at the provider makes a new account.
    const again = await providerAccount(t, (url) => op.login(url, 'grace'))
    expect(again.auth.user.id).not.toBe(grace.auth.user.id)
  })

  it('change their email address with the token, which works once and only for them', async () => {
    const { t, op } = await appWithTwoProviders()
    op.accounts.set('grace', { email: 'grace@example.com', email_verified: true })
    const grace = await providerAccount(t, (url) => op.login(url, 'grace'))
    const { reauthenticationToken } = (await (
      await reauthenticate(t, grace.headers, 'test', (url) => op.login(url, 'grace'))
    ).json()) as {
      reauthenticationToken: string
    }
    const other = await signUpUser(t)
    await expectProblem(
      await t.request('/v1/me', json('PATCH', { email: 'x@example.com', reauthenticationToken }, other.authHeaders)),
      422,
      'reauthentication_invalid',
    )
    const changed = await t.request(
      '/v1/me',
      json('PATCH', { email: 'grace@new.example', reauthenticationToken }, grace.headers),
    )
    expect(changed.status).toBe(200)
    expect(await changed.json()).toMatchObject({ pendingEmail: 'grace@new.example' })
    await expectProblem(
      await t.request('/v1/me', json('PATCH', { email: 'again@new.example', reauthenticationToken }, grace.headers)),
      422,
      'reauthentication_invalid',
    )
  })

  it('re-authenticate only with a provider account linked to them', async () => {
    const { t, op } = await appWithTwoProviders()
    op.accounts.set('grace', { email: 'grace@example.com', email_verified: true })
    op.accounts.set('mallory', { email: 'mallory@example.com', email_verified: true })
    const grace = await providerAccount(t, (url) => op.login(url, 'grace'))
    await expectProblem(
      await reauthenticate(t, grace.headers, 'test', (url) => op.login(url, 'mallory')),
      422,
      'identity_not_linked',
    )
  })

  it('manage API keys without a password, and cannot sign in with one', async () => {
    const { t, op } = await appWithTwoProviders()
    op.accounts.set('grace', { email: 'grace@example.com', email_verified: true })
    const grace = await providerAccount(t, (url) => op.login(url, 'grace'))
    const key = await t.request('/v1/me/api-keys', json('POST', { name: 'cli', scopes: ['read'] }, grace.headers))
    expect(key.status).toBe(201)
    const login = await t.request(
      '/v1/auth/login',
      json('POST', { email: 'grace@example.com', password: '!no-password' }),
    )
    await expectProblem(login, 401, 'invalid_credentials')
    const ids = (await (await t.request('/v1/me/identities', { headers: grace.headers })).json()) as {
      data: Identity[]
    }
    expect(ids.data).toHaveLength(1)
  })

  it('send the password or the token, not both', async () => {
    const { t } = await appWithTwoProviders()
    const ada = await signUpUser(t)
    const both = json('DELETE', { password: ada.password, reauthenticationToken: 'ra_x' }, ada.authHeaders)
    await expectProblem(await t.request('/v1/me', both), 400, 'validation_failed')
  })
})
