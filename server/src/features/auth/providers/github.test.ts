import { describe, expect, it } from 'vitest'
import type { AuthResult } from '../../../generated/routes.js'
import { createTestApp } from '../../../test/app.js'
import { APP_REDIRECT, expectProblem, signInWith } from '../../../test/identities.js'
import { startOAuth2Stub } from '../../../test/oauth2-stub.js'

async function appWithGitHub() {
  const gh = await startOAuth2Stub()
  const t = await createTestApp({
    AUTH_PROVIDERS: 'github',
    ...gh.settings('github'),
    SERVER_URL: 'http://tasklane.test',
    AUTH_REDIRECT_URLS: APP_REDIRECT,
  })
  return { t, gh }
}

const userCount = async (t: Awaited<ReturnType<typeof appWithGitHub>>['t']) =>
  (await t.ctx.db.kysely.selectFrom('users').select('id').execute()).length

describe('signing in with a plain OAuth 2 provider (GitHub)', () => {
  it('creates an account from the primary verified address and signs it in again after the login and address change', async () => {
    const { t, gh } = await appWithGitHub()
    expect(await (await t.request('/v1/auth/providers')).json()).toEqual({
      data: [{ id: 'github', name: 'GitHub', type: 'oauth2' }],
    })
    gh.users.set('octocat', {
      id: 583231,
      login: 'octocat',
      name: null,
      emails: [
        { email: 'old@example.com', primary: false, verified: true },
        { email: 'octocat@example.com', primary: true, verified: true },
      ],
    })
    const res = await (await signInWith(t, 'github', (url) => gh.authorize(url, 'octocat'))).response()
    expect(res.status).toBe(200)
    const first = (await res.json()) as AuthResult
    expect(first.user).toMatchObject({ email: 'octocat@example.com', name: 'octocat', emailVerified: true })

    // GitHub's numeric id is the identity: a renamed account with a new address is still the same person.
    gh.users.set('octocat-renamed', {
      id: 583231,
      login: 'octocat-renamed',
      emails: [{ email: 'new@example.com', primary: true, verified: true }],
    })
    const again = await (await signInWith(t, 'github', (url) => gh.authorize(url, 'octocat-renamed'))).response()
    expect(((await again.json()) as AuthResult).user.id).toBe(first.user.id)
  })

  it('refuses a GitHub account without a verified address', async () => {
    const { t, gh } = await appWithGitHub()
    gh.users.set('unverified', {
      id: 1,
      login: 'unverified',
      emails: [{ email: 'someone@example.com', primary: true, verified: false }],
    })
    const res = await (await signInWith(t, 'github', (url) => gh.authorize(url, 'unverified'))).response()
    await expectProblem(res, 422, 'email_not_verified')
    expect(await userCount(t)).toBe(0)
  })

  it('refuses a replayed GitHub code (GitHub answers 200 with an error body)', async () => {
    const { t, gh } = await appWithGitHub()
    gh.users.set('octocat', {
      id: 2,
      login: 'octocat',
      emails: [{ email: 'o@example.com', primary: true, verified: true }],
    })
    let providerRedirect = ''
    const first = await signInWith(t, 'github', async (url) => {
      providerRedirect = await gh.authorize(url, 'octocat')
      return providerRedirect
    })
    expect((await first.response()).status).toBe(200)
    const second = await signInWith(t, 'github', async (url) => {
      const replay = new URL(providerRedirect)
      replay.searchParams.set('state', new URL(url).searchParams.get('state') ?? '')
      return replay.href
    })
    await expectProblem(await second.response(), 422, 'provider_rejected')
    expect(await userCount(t)).toBe(1)
  })

  it('answers 502 when the user API fails, creating nothing', async () => {
    const { t, gh } = await appWithGitHub()
    gh.users.set('octocat', {
      id: 3,
      login: 'octocat',
      emails: [{ email: 'o@example.com', primary: true, verified: true }],
    })
    gh.userApiStatus = 500
    const res = await (await signInWith(t, 'github', (url) => gh.authorize(url, 'octocat'))).response()
    await expectProblem(res, 502, 'provider_unavailable')
    expect(await userCount(t)).toBe(0)
  })
})
