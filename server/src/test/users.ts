import { expect } from 'vitest'
import type { ApiKeyWithSecret, AuthResult, User } from '../generated/routes.js'
import type { TestApp } from './app.js'

export interface SignedUpUser {
  user: User
  /** The password the user was created with. */
  password: string
  accessToken: string
  refreshToken: string
  /** `{ Authorization: 'Bearer …' }` with the access token. */
  authHeaders: Record<string, string>
}

let counter = 0

/**
 * Creates a user through the real `signUp` endpoint and returns its tokens, for tests of features that need
 * a signed-in caller. Each call makes a new user with a unique email unless `overrides` names one.
 *
 * @example
 * const alice = await signUpUser(t)
 * const res = await t.request('/v1/projects', { method: 'POST', headers: { ...alice.authHeaders, 'content-type': 'application/json' }, body: '{}' })
 */
export async function signUpUser(
  t: TestApp,
  overrides: Partial<{ email: string; password: string; name: string }> = {},
): Promise<SignedUpUser> {
  counter += 1
  const input = {
    email: `user${counter}-${Math.random().toString(36).slice(2, 8)}@example.com`,
    password: 'a long enough test passphrase',
    name: `Test User ${counter}`,
    ...overrides,
  }
  const res = await t.request('/v1/auth/signup', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  })
  if (res.status !== 201) expect.fail(`signUp answered ${res.status}: ${await res.text()}`)
  const body = (await res.json()) as AuthResult
  return {
    user: body.user,
    password: input.password,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    authHeaders: { Authorization: `Bearer ${body.accessToken}` },
  }
}

/**
 * Creates an API key through the real `createApiKey` endpoint.
 *
 * @example
 * const { authHeaders } = await createApiKeyFor(t, alice.accessToken, ['read'])
 */
export async function createApiKeyFor(
  t: TestApp,
  accessToken: string,
  scopes: ('read' | 'write')[],
  extra: { name?: string; expiresAt?: string } = {},
): Promise<{ key: string; apiKey: ApiKeyWithSecret; authHeaders: Record<string, string> }> {
  const res = await t.request('/v1/me/api-keys', {
    method: 'POST',
    headers: { Authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: extra.name ?? 'test key',
      scopes,
      ...(extra.expiresAt ? { expiresAt: extra.expiresAt } : {}),
    }),
  })
  if (res.status !== 201) expect.fail(`createApiKey answered ${res.status}: ${await res.text()}`)
  const apiKey = (await res.json()) as ApiKeyWithSecret
  return { key: apiKey.key, apiKey, authHeaders: { Authorization: `Bearer ${apiKey.key}` } }
}
