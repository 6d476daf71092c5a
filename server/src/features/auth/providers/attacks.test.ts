import { createServer, type Socket } from 'node:net'
import { decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, type JWTPayload, SignJWT } from 'jose'
import pino from 'pino'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createApp } from '../../../app.js'
import { loadConfig } from '../../../config.js'
import { createContext } from '../../../context.js'
import type { AuthResult } from '../../../generated/routes.js'
import { checkedFetch, createTestApp, type TestApp } from '../../../test/app.js'
import {
  APP_REDIRECT,
  appWithOidcProvider,
  exchange,
  expectProblem,
  followCallback,
  json,
  oidcSettings,
  pkce,
  signInThroughProvider,
  startSignIn,
} from '../../../test/identities.js'
import type { TestOidcProvider } from '../../../test/oidc-provider.js'
import { signUpUser } from '../../../test/users.js'

/** What exists in the database: the "nothing half-created" check after a refused sign-in. */
async function counts(t: TestApp) {
  const db = t.ctx.db.kysely
  const count = async (table: 'users' | 'auth_identities' | 'sessions') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  return { users: await count('users'), identities: await count('auth_identities'), sessions: await count('sessions') }
}

/** Has the provider issue ID Tokens with these claims changed, signed with its own key. */
function resignWith(op: TestOidcProvider, change: (claims: JWTPayload) => JWTPayload) {
  op.tamperIdToken = async (idToken) => {
    const key = await importJWK(op.signingKey, 'RS256')
    return new SignJWT(change(decodeJwt(idToken)))
      .setProtectedHeader({ ...decodeProtectedHeader(idToken), alg: 'RS256' })
      .sign(key)
  }
}

const now = () => Math.floor(Date.now() / 1000)

/** Signs in with the provider's ID Token changed by `tamper`; expects a 502, nothing made, and `reason` logged. */
async function expectRefusedIdToken(tamper: (op: TestOidcProvider) => void, reason: RegExp) {
  const logged: string[] = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => logged.push(line) })
  const { t, op } = await appWithOidcProvider({}, { logger })
  op.accounts.set('mallory', { email: 'mallory@example.com', email_verified: true })
  const flow = await signInThroughProvider(t, op, 'mallory')
  tamper(op)
  await expectProblem(await flow.response(), 502, 'provider_response_invalid')
  expect(await counts(t)).toEqual({ users: 0, identities: 0, sessions: 0 })
  const refusals = logged.map((line) => JSON.parse(line)).filter((l) => l.msg === 'provider sign-in refused')
  expect(JSON.stringify(refusals.map((l) => l.err)).replaceAll('\\"', '"')).toMatch(reason)
}

describe('provider sign-in refuses', () => {
  it('a callback without state, with an unknown state, or a replayed one, without redirecting', async () => {
    const { t, op } = await appWithOidcProvider()
    op.accounts.set('ada', { email: 'ada@example.com', email_verified: true })
    const missing = await t.fetch('/v1/auth/providers/test/callback?code=abc', { redirect: 'manual' })
    await expectProblem(missing, 400, 'invalid_state')
    expect(missing.headers.get('location')).toBeNull()
    const wrong = await t.fetch('/v1/auth/providers/test/callback?code=abc&state=made-up', { redirect: 'manual' })
    await expectProblem(wrong, 400, 'invalid_state')

    const { authorizationUrl } = await startSignIn(t)
    const providerRedirect = await op.login(authorizationUrl, 'ada')
    await followCallback(t, providerRedirect)
    // The same redirect again (a replayed or leaked callback URL) is answered once only.
    await expectProblem(await t.fetch(providerRedirect, { redirect: 'manual' }), 400, 'invalid_state')
    // Nor does a state started for one provider finish at another's callback.
    const other = new URL(providerRedirect)
    other.pathname = '/v1/auth/providers/other/callback'
    await expectProblem(await t.fetch(other.href, { redirect: 'manual' }), 400, 'invalid_state')
  })

  it('a replayed authorization code, refused by the provider, creating nothing', async () => {
    const { t, op } = await appWithOidcProvider()
    op.accounts.set('ada', { email: 'ada@example.com', email_verified: true })
    const first = await startSignIn(t)
    const firstRedirect = new URL(await op.login(first.authorizationUrl, 'ada'))
    const back = await followCallback(t, firstRedirect.href)
    expect((await exchange(t, back.searchParams.get('code') ?? '', first.verifier)).status).toBe(200)
    const before = await counts(t)

    // An attacker replays the provider's (used) code into a sign-in of their own.
    const second = await startSignIn(t)
    const secondState = new URL(second.authorizationUrl).searchParams.get('state') ?? ''
    const replay = new URL(firstRedirect)
    replay.searchParams.set('state', secondState)
    const replayed = await followCallback(t, replay.href)
    const res = await exchange(t, replayed.searchParams.get('code') ?? '', second.verifier)
    await expectProblem(res, 422, 'provider_rejected')
    expect(await counts(t)).toEqual(before)
  })

  it('a replayed one-time exchange code', async () => {
    const { t, op } = await appWithOidcProvider()
    op.accounts.set('ada', { email: 'ada@example.com', email_verified: true })
    const flow = await signInThroughProvider(t, op, 'ada')
    expect((await flow.response()).status).toBe(200)
    await expectProblem(await flow.response(), 422, 'invalid_code')
    expect((await counts(t)).sessions).toBe(1)
  })

  it('an ID Token with the wrong nonce', async () => {
    await expectRefusedIdToken((op) => resignWith(op, (claims) => ({ ...claims, nonce: 'another-sign-in' })), /"nonce"/)
  })

  it('an ID Token from another issuer', async () => {
    await expectRefusedIdToken(
      (op) => resignWith(op, (claims) => ({ ...claims, iss: 'https://evil.example' })),
      /"iss"/,
    )
  })

  it('an ID Token for another audience', async () => {
    await expectRefusedIdToken((op) => resignWith(op, (claims) => ({ ...claims, aud: 'some-other-client' })), /"aud"/)
  })

  it('an expired ID Token', async () => {
    await expectRefusedIdToken(
      (op) => resignWith(op, (claims) => ({ ...claims, iat: now() - 7200, exp: now() - 3600 })),
      /"exp"/,
    )
  })

  it('an ID Token that is not valid yet', async () => {
    await expectRefusedIdToken((op) => resignWith(op, (claims) => ({ ...claims, nbf: now() + 3600 })), /"nbf"/)
  })

  it('an unsigned ID Token (alg none)', async () => {
    await expectRefusedIdToken((op) => {
      op.tamperIdToken = (idToken) => {
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
        const payload = Buffer.from(JSON.stringify(decodeJwt(idToken))).toString('base64url')
        return `${header}.${payload}.`
      }
    }, /"alg"/)
  })

  it('an ID Token signed by someone else with the provider key id', async () => {
    const { privateKey } = await generateKeyPair('RS256')
    await expectRefusedIdToken((op) => {
      op.tamperIdToken = (idToken) =>
        new SignJWT(decodeJwt(idToken)).setProtectedHeader(decodeProtectedHeader(idToken) as never).sign(privateKey)
    }, /signature/i)
  })

  it('to start with a provider that is down, with a clear problem and nothing stored', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as { port: number }).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const t = await createTestApp({
      AUTH_PROVIDERS: 'test',
      AUTH_PROVIDER_TEST_ISSUER: `http://127.0.0.1:${port}`,
      AUTH_PROVIDER_TEST_CLIENT_ID: 'tasklane',
      AUTH_REDIRECT_URLS: APP_REDIRECT,
    })
    const res = await t.request(
      '/v1/auth/providers/test/authorizations',
      json('POST', { redirectUri: APP_REDIRECT, codeChallenge: pkce().challenge, codeChallengeMethod: 'S256' }),
    )
    await expectProblem(res, 502, 'provider_unavailable')
    const flows = await t.ctx.db.kysely.selectFrom('auth_flows').selectAll().execute()
    expect(flows).toEqual([])
  })

  it('to wait for a provider that does not answer, past the time limit', async () => {
    // Accepts connections and never answers.
    const sockets = new Set<Socket>()
    const silent = createServer((socket) => sockets.add(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    onTestFinished(async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    })
    const t = await createTestApp({
      AUTH_PROVIDERS: 'test',
      AUTH_PROVIDER_TEST_ISSUER: `http://127.0.0.1:${(silent.address() as { port: number }).port}`,
      AUTH_PROVIDER_TEST_CLIENT_ID: 'tasklane',
      AUTH_PROVIDER_TIMEOUT_MS: '300',
      AUTH_REDIRECT_URLS: APP_REDIRECT,
    })
    const res = await t.request(
      '/v1/auth/providers/test/authorizations',
      json('POST', { redirectUri: APP_REDIRECT, codeChallenge: pkce().challenge, codeChallengeMethod: 'S256' }),
    )
    const problem = await expectProblem(res, 502, 'provider_unavailable')
    expect(problem).toMatchObject({ title: 'Bad gateway', detail: expect.stringContaining('did not answer in time') })
  })

  it('to finish when the provider went down after the login: 502, and no account is half-made', async () => {
    const { t, op } = await appWithOidcProvider()
    op.accounts.set('ada', { email: 'ada@example.com', email_verified: true })
    const flow = await signInThroughProvider(t, op, 'ada')
    await op.stop()
    await expectProblem(await flow.response(), 502, 'provider_unavailable')
    expect(await counts(t)).toEqual({ users: 0, identities: 0, sessions: 0 })
  })

  it('redirect URLs that are not on the allowlist (no open redirect)', async () => {
    const { t } = await appWithOidcProvider()
    for (const redirectUri of [
      'https://evil.example/auth/callback',
      'https://app.example.evil.example/auth/callback',
      'https://app.example/auth/callback/../../elsewhere',
      'https://app.example/auth/callback?next=https://evil.example',
      'https://app.example/auth/other',
      'http://app.example/auth/callback',
      'https://user@app.example/auth/callback',
      'http://localhost:8000/callback',
    ]) {
      const res = await t.request(
        '/v1/auth/providers/test/authorizations',
        json('POST', { redirectUri, codeChallenge: pkce().challenge, codeChallengeMethod: 'S256' }),
      )
      expect(res.status, redirectUri).toBe(422)
      expect(((await res.json()) as { code: string }).code).toBe('redirect_uri_not_allowed')
    }
    // A command-line app's loopback address, on any port, is allowed.
    const cli = await t.request(
      '/v1/auth/providers/test/authorizations',
      json('POST', {
        redirectUri: 'http://127.0.0.1:53124/callback',
        codeChallenge: pkce().challenge,
        codeChallengeMethod: 'S256',
      }),
    )
    expect(cli.status).toBe(200)
  })

  it('an email address the provider has not verified: no account', async () => {
    const { t, op } = await appWithOidcProvider()
    op.accounts.set('eve', { email: 'eve@example.com', email_verified: false })
    await expectProblem(await (await signInThroughProvider(t, op, 'eve')).response(), 422, 'email_not_verified')
    op.accounts.set('nobody', { name: 'No Email' })
    await expectProblem(await (await signInThroughProvider(t, op, 'nobody')).response(), 422, 'email_not_verified')
    expect(await counts(t)).toEqual({ users: 0, identities: 0, sessions: 0 })
  })

  it("an attacker's provider account claiming a victim's email: no account, no link, no session", async () => {
    const { t, op } = await appWithOidcProvider()
    const victim = await signUpUser(t, { email: 'victim@example.com' })
    for (const verified of [true, false]) {
      op.accounts.set('attacker', { email: 'VICTIM@example.com', email_verified: verified })
      const res = await (await signInThroughProvider(t, op, 'attacker')).response()
      expect(res.status).toBe(verified ? 409 : 422)
    }
    expect(await counts(t)).toEqual({ users: 1, identities: 0, sessions: 1 })
    const identities = await t.request('/v1/me/identities', { headers: victim.authHeaders })
    expect(await identities.json()).toEqual({ data: [], nextCursor: null })
  })

  it('unlinking the last way to sign in', async () => {
    const { t, op } = await appWithOidcProvider()
    op.accounts.set('ada', { email: 'ada@example.com', email_verified: true })
    const session = (await (await (await signInThroughProvider(t, op, 'ada')).response()).json()) as AuthResult
    const headers = { Authorization: `Bearer ${session.accessToken}` }
    const list = (await (await t.request('/v1/me/identities', { headers })).json()) as { data: { id: string }[] }
    expect(list.data).toHaveLength(1)
    const res = await t.request(`/v1/me/identities/${list.data[0]?.id}`, { method: 'DELETE', headers })
    await expectProblem(res, 409, 'last_sign_in_method')
    expect((await counts(t)).identities).toBe(1)
  })

  it("a disabled provider's old sessions", async () => {
    const { t, op } = await appWithOidcProvider()
    op.accounts.set('ada', { email: 'ada@example.com', email_verified: true })
    const session = (await (await (await signInThroughProvider(t, op, 'ada')).response()).json()) as AuthResult
    // The operator switches the provider off and restarts.
    const config = loadConfig({
      ...oidcSettings(op),
      DATA_DIR: t.ctx.config.DATA_DIR,
      LOG_LEVEL: 'silent',
      AUTH_PROVIDER_TEST_ENABLED: 'false',
    })
    const ctx = await createContext(config, { database: t.database, logger: pino({ level: 'silent' }) })
    onTestFinished(() => ctx.close())
    const restarted = checkedFetch(createApp(ctx))
    const me = await restarted('/v1/me', { headers: { Authorization: `Bearer ${session.accessToken}` } })
    await expectProblem(me, 401, 'session_revoked')
    const refresh = await restarted('/v1/auth/refresh', json('POST', { refreshToken: session.refreshToken }))
    await expectProblem(refresh, 401, 'session_revoked')
    expect(await (await restarted('/v1/auth/providers')).json()).toEqual({ data: [] })
    const start = await restarted(
      '/v1/auth/providers/test/authorizations',
      json('POST', { redirectUri: APP_REDIRECT, codeChallenge: pkce().challenge, codeChallengeMethod: 'S256' }),
    )
    await expectProblem(start, 404, 'provider_not_found')
  })

  it('a declined sign-in: the app is told, with its state, and no code', async () => {
    const { t, op } = await appWithOidcProvider()
    const { authorizationUrl } = await startSignIn(t)
    const back = await followCallback(t, await op.decline(authorizationUrl))
    expect(Object.fromEntries(back.searchParams)).toEqual({ error: 'access_denied', state: 'app-state' })
  })
})
