import { createHash, randomBytes } from 'node:crypto'
import { expect } from 'vitest'
import type { TestApp } from './app.js'
import { createTestApp, type TestAppOptions } from './app.js'
import { startOAuth2Stub } from './oauth2-stub.js'
import { startOidcProvider, type TestOidcProvider } from './oidc-provider.js'

/** Where the tests' app wants the browser back after a provider sign-in. */
export const APP_REDIRECT = 'https://app.example/auth/callback'
const SERVER_URL = 'http://tasklane.test'
export const callbackOf = (providerId: string) => `${SERVER_URL}/v1/auth/providers/${providerId}/callback`

export const json = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

/** A PKCE verifier and its S256 challenge, as an app makes them. */
export function pkce() {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

/** Settings for an OIDC provider `id` pointing at `op`. */
export function oidcSettings(op: TestOidcProvider, id = 'test', extra: Record<string, string> = {}) {
  const key = id.toUpperCase().replaceAll('-', '_')
  return {
    AUTH_PROVIDERS: id,
    [`AUTH_PROVIDER_${key}_ISSUER`]: op.issuer,
    [`AUTH_PROVIDER_${key}_CLIENT_ID`]: op.clientId,
    [`AUTH_PROVIDER_${key}_CLIENT_SECRET`]: op.clientSecret,
    [`AUTH_PROVIDER_${key}_NAME`]: 'Test ID',
    SERVER_URL,
    AUTH_REDIRECT_URLS: APP_REDIRECT,
    ...extra,
  }
}

/** A Tasklane app with one OpenID Connect provider, `test`, served by a real in-process provider. */
export async function appWithOidcProvider(env: Record<string, string> = {}, options: TestAppOptions = {}) {
  const op = await startOidcProvider({ redirectUris: [callbackOf('test')] })
  const t = await createTestApp({ ...oidcSettings(op), ...env }, options)
  return { t, op }
}

/** Starts a sign-in (or, with `authHeaders`, a link); answers the provider URL and the app's PKCE verifier. */
export async function startSignIn(
  t: TestApp,
  providerId = 'test',
  options: { redirectUri?: string; authHeaders?: Record<string, string>; state?: string } = {},
) {
  const { verifier, challenge } = pkce()
  const body = {
    redirectUri: options.redirectUri ?? APP_REDIRECT,
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    state: options.state ?? 'app-state',
  }
  const res = options.authHeaders
    ? await t.request(
        '/v1/me/identities/authorizations',
        json('POST', { provider: providerId, ...body }, options.authHeaders),
      )
    : await t.request(`/v1/auth/providers/${providerId}/authorizations`, json('POST', body))
  if (res.status !== 200) expect.fail(`starting the sign-in answered ${res.status}: ${await res.text()}`)
  const { authorizationUrl } = (await res.json()) as { authorizationUrl: string }
  return { authorizationUrl, verifier }
}

/** Follows the provider's redirect into Tasklane's callback; answers where Tasklane sends the browser. */
export async function followCallback(t: TestApp, providerRedirect: string): Promise<URL> {
  const res = await t.fetch(providerRedirect, { redirect: 'manual' })
  if (res.status !== 302) expect.fail(`the callback answered ${res.status}: ${await res.text()}`)
  return new URL(res.headers.get('location') ?? '')
}

export const exchange = (t: TestApp, code: string, codeVerifier: string) =>
  t.request('/v1/auth/providers/exchange', json('POST', { code, codeVerifier }))

/** The whole browser-app flow up to the exchange: start, sign in at the provider as `subject`, come back. */
export function signInThroughProvider(t: TestApp, op: TestOidcProvider, subject: string) {
  return signInWith(t, 'test', (url) => op.login(url, subject))
}

/**
 * Start, `atProvider` (which signs in at the provider and answers its redirect back), Tasklane's callback;
 * with `authHeaders`, a link instead of a sign-in. `response()` finishes it.
 */
export async function signInWith(
  t: TestApp,
  providerId: string,
  atProvider: (authorizationUrl: string) => Promise<string>,
  authHeaders?: Record<string, string>,
) {
  const { authorizationUrl, verifier } = await startSignIn(t, providerId, authHeaders ? { authHeaders } : {})
  const back = await followCallback(t, await atProvider(authorizationUrl))
  const code = back.searchParams.get('code')
  if (!code) expect.fail(`no code in ${back.href}`)
  const response = authHeaders
    ? () => t.request('/v1/me/identities', json('POST', { code, codeVerifier: verifier }, authHeaders))
    : () => exchange(t, code, verifier)
  return { code, verifier, back, response }
}

/** An app with the OpenID Connect provider `test` and the GitHub-shaped `github`. */
export async function appWithTwoProviders(env: Record<string, string> = {}) {
  const op = await startOidcProvider({ redirectUris: [callbackOf('test')] })
  const gh = await startOAuth2Stub()
  const t = await createTestApp({
    ...oidcSettings(op),
    ...gh.settings('github'),
    AUTH_PROVIDERS: 'test,github',
    ...env,
  })
  return { t, op, gh }
}

/** Asserts a problem+json answer with `status` and `code`; answers its body. */
export async function expectProblem(res: Response, status: number, code: string) {
  const body = (await res.json()) as { code: string; status: number }
  expect({ status: res.status, code: body.code }).toEqual({ status, code })
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  return body
}
