import type { TasklaneClient } from './client.js'
import { TasklaneError } from './core/errors.js'
import { unwrap } from './core/results.js'
import type { components } from './generated/openapi.js'

/**
 * An outside identity provider a login screen offers (`listAuthProviders`).
 *
 * @example
 * const { data } = await unwrap(tl.GET('/v1/auth/providers'))
 * for (const p of data) addButton(`Continue with ${p.name}`, () => signInWith(p.id))
 */
export type AuthProvider = components['schemas']['AuthProvider']
/**
 * A provider account linked to the signed-in account (`listIdentities`).
 *
 * @example
 * for await (const identity of tl.paginate('/v1/me/identities')) console.log(identity.providerName, identity.email)
 */
export type Identity = components['schemas']['Identity']
type AuthResult = components['schemas']['AuthResult']

/**
 * Where a started sign-in keeps its PKCE verifier until the browser comes back: any `Storage`-like object.
 * The default is `sessionStorage` in a browser (per tab, gone when the tab closes), else memory.
 *
 * @example
 * await beginProviderSignIn(tl, 'github', { redirectUri, storage: window.localStorage })
 */
export interface PendingSignInStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/**
 * Where the browser comes back to, and whether this links instead of signing in.
 *
 * @example
 * const options: BeginProviderSignInOptions = { redirectUri: 'http://127.0.0.1:53124/callback' } // a CLI
 */
export interface BeginProviderSignInOptions {
  /** The app URL the browser comes back to: one of the server's `AUTH_REDIRECT_URLS`, or a loopback URL for a CLI. */
  redirectUri: string
  /** Link the provider to the signed-in account instead of signing in (needs a session client). */
  link?: boolean
  storage?: PendingSignInStorage
}

/**
 * What `beginProviderSignIn` answers.
 *
 * @example
 * const { url } = await beginProviderSignIn(tl, 'google', { redirectUri })
 * location.assign(url)
 */
export interface ProviderSignInStart {
  /** Send the browser here (`location.assign(url)`); a CLI opens it in the user's browser. */
  url: string
  /** The `state` the browser comes back with; the key of the stored verifier. */
  state: string
}

const PREFIX = 'tasklane.providerSignIn.'

const memory = new Map<string, string>()
const memoryStorage: PendingSignInStorage = {
  getItem: (key) => memory.get(key) ?? null,
  setItem: (key, value) => void memory.set(key, value),
  removeItem: (key) => void memory.delete(key),
}

function defaultStorage(): PendingSignInStorage {
  const session = (globalThis as { sessionStorage?: PendingSignInStorage }).sessionStorage
  return session ?? memoryStorage
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')

const random = (size: number) => base64url(crypto.getRandomValues(new Uint8Array(size)))

/**
 * Starts signing in with a provider: makes a PKCE verifier and its S256 challenge (with WebCrypto, in the
 * browser), asks the server for the provider URL, and keeps the verifier until `completeProviderSignIn`.
 *
 * @example
 * const { url } = await beginProviderSignIn(tl, 'google', { redirectUri: `${location.origin}/auth/callback` })
 * location.assign(url)
 */
export async function beginProviderSignIn(
  tl: TasklaneClient,
  providerId: string,
  options: BeginProviderSignInOptions,
): Promise<ProviderSignInStart> {
  const verifier = random(32)
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  const body = {
    redirectUri: options.redirectUri,
    codeChallenge: base64url(new Uint8Array(digest)),
    codeChallengeMethod: 'S256' as const,
    state: random(16),
  }
  const { authorizationUrl } = options.link
    ? await unwrap(tl.POST('/v1/me/identities/authorizations', { body: { provider: providerId, ...body } }))
    : await unwrap(
        tl.POST('/v1/auth/providers/{providerId}/authorizations', { params: { path: { providerId } }, body }),
      )
  const storage = options.storage ?? defaultStorage()
  storage.setItem(PREFIX + body.state, JSON.stringify({ verifier, link: options.link === true }))
  return { url: authorizationUrl, state: body.state }
}

/**
 * What `completeProviderSignIn` answers: a session (now the client's), or the identity a link made.
 *
 * @example
 * const result = await completeProviderSignIn(tl, location.href)
 * if (result.kind === 'linked') showLinked(result.identity.providerName)
 */
export type ProviderSignInResult = { kind: 'signed_in'; auth: AuthResult } | { kind: 'linked'; identity: Identity }

/**
 * Finishes a sign-in from the URL the browser came back to: exchanges its one-time code, with the stored
 * verifier, for a session, which becomes the client's session (if it has a session handle). For a link it
 * answers the linked identity. Throws a `TasklaneError` with `code` `access_denied` or `provider_error`
 * when the provider did not sign the person in, `unknown_state` when this browser did not start the
 * sign-in, and the server's problem (e.g. `account_exists`, `email_not_verified`) otherwise.
 *
 * @example
 * const result = await completeProviderSignIn(tl, location.href)
 * if (result.kind === 'signed_in') showApp(result.auth.user)
 */
export async function completeProviderSignIn(
  tl: TasklaneClient,
  callbackUrl: string | URL,
  options: { storage?: PendingSignInStorage } = {},
): Promise<ProviderSignInResult> {
  const params = new URL(callbackUrl).searchParams
  const state = params.get('state') ?? ''
  const storage = options.storage ?? defaultStorage()
  const stored = storage.getItem(PREFIX + state)
  storage.removeItem(PREFIX + state)
  if (!stored) throw new TasklaneError('This browser did not start this sign-in', { code: 'unknown_state' })
  const error = params.get('error')
  if (error) throw new TasklaneError(`The provider did not sign you in (${error})`, { code: error })
  const { verifier, link } = JSON.parse(stored) as { verifier: string; link: boolean }
  const body = { code: params.get('code') ?? '', codeVerifier: verifier }
  if (link) return { kind: 'linked', identity: await unwrap(tl.POST('/v1/me/identities', { body })) }
  const auth = await unwrap(tl.POST('/v1/auth/providers/exchange', { body }))
  // A client with a session keeps the new one; a client with a fixed credential just answers it.
  await tl.session.set(auth).catch((err: unknown) => {
    if (!(err instanceof TasklaneError && err.code === 'no_session')) throw err
  })
  return { kind: 'signed_in', auth }
}
