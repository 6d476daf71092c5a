import * as oidc from 'openid-client'
import type { Logger } from 'pino'
import type { AuthProviderSettings } from '../../../config.js'
import { ApiError } from '../../../core/api-error.js'

/** What a provider tells us about the person who signed in, after every check of its answer passed. */
export interface ProviderProfile {
  /** The provider's stable id for the person (`sub`, or GitHub's numeric `id`). */
  subject: string
  email: string | null
  /** Only true when the provider says so explicitly. */
  emailVerified: boolean
  name: string | null
}

/** The secrets of one sign-in that the provider's answer is checked against. */
export interface FlowChecks {
  state: string
  nonce: string
  codeVerifier: string
}

export interface AuthProvider {
  readonly settings: AuthProviderSettings
  /** Where to send the browser: the provider's authorization endpoint with state, nonce and PKCE. */
  authorizationUrl(redirectUri: string, checks: FlowChecks & { codeChallenge: string }): Promise<URL>
  /**
   * Redeems the authorization code of `callbackUrl` (the provider's redirect to us) and reads who signed
   * in. Throws 502 `provider_unavailable` when the provider cannot be reached in time, 502
   * `provider_response_invalid` when its answer fails a check (state, nonce, issuer, audience, expiry,
   * signature, algorithm), 422 `provider_rejected` when it refuses the code (used, expired, not ours).
   */
  redeem(callbackUrl: URL, checks: FlowChecks): Promise<ProviderProfile>
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost'])
/** Plain HTTP is allowed only to providers on this machine (development and the tests); never elsewhere. */
const isLoopback = (url: string | undefined) => url !== undefined && LOOPBACK.has(new URL(url).hostname)

const unavailable = (provider: AuthProviderSettings, cause: unknown) =>
  new ApiError(502, 'provider_unavailable', `${provider.name} did not answer in time or failed; try again later.`, {
    title: 'Bad gateway',
    cause,
  })
const invalidResponse = (provider: AuthProviderSettings, cause: unknown) =>
  new ApiError(
    502,
    'provider_response_invalid',
    `${provider.name} answered with something that failed verification; start the sign-in again.`,
    { title: 'Bad gateway', cause },
  )
const rejected = (provider: AuthProviderSettings, cause: unknown) =>
  new ApiError(422, 'provider_rejected', `${provider.name} refused the sign-in; start it again.`, { cause })

/** Codes of openid-client errors that mean the provider could not be reached or answered garbage. */
const UNAVAILABLE_CODES = new Set([
  'OAUTH_TIMEOUT',
  'OAUTH_ABORT',
  'OAUTH_RESPONSE_IS_NOT_CONFORM',
  'OAUTH_RESPONSE_IS_NOT_JSON',
])

/**
 * Turns what openid-client throws into the documented problems. Anything else (a bad argument from this
 * code) is a bug and stays one.
 */
function mapError(provider: AuthProviderSettings, err: unknown): never {
  if (err instanceof ApiError) throw err
  if (err instanceof oidc.ResponseBodyError)
    throw err.status >= 500 ? unavailable(provider, err) : rejected(provider, err)
  if (err instanceof oidc.WWWAuthenticateChallengeError) throw rejected(provider, err)
  if (err instanceof oidc.AuthorizationResponseError) throw rejected(provider, err)
  if (err instanceof oidc.ClientError) {
    if (err.code && UNAVAILABLE_CODES.has(err.code)) throw unavailable(provider, err)
    // GitHub answers a refused code with 200 and an OAuth error body, which is no token response.
    const body = (err.cause as { cause?: { body?: { error?: unknown } } } | undefined)?.cause?.body
    if (typeof body?.error === 'string') throw rejected(provider, err)
    throw invalidResponse(provider, err)
  }
  // fetch() rejects with a TypeError whose cause is the socket error (refused, reset, DNS).
  if (err instanceof TypeError && !(err as { code?: string }).code) throw unavailable(provider, err)
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    throw unavailable(provider, err)
  throw err
}

/** Reads a JSON document from a provider resource (GitHub's /user and /user/emails). */
async function readJson(provider: AuthProviderSettings, response: Response): Promise<unknown> {
  if (response.status >= 500) throw unavailable(provider, new Error(`user API answered ${response.status}`))
  if (!response.ok) throw rejected(provider, new Error(`user API answered ${response.status}`))
  try {
    return await response.json()
  } catch (cause) {
    throw unavailable(provider, cause)
  }
}

const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null)

/**
 * One configured provider, on openid-client: an OpenID Connect provider is found by discovery (and its ID
 * Tokens checked for issuer, audience, expiry, nonce, algorithm and signature); a plain OAuth 2 provider
 * (GitHub) by its endpoints, and who signed in read from its user API. The discovery result is kept; a
 * failed discovery is retried on the next sign-in.
 */
function createAuthProvider(settings: AuthProviderSettings, timeoutMs: number, logger: Logger): AuthProvider {
  const timeoutS = timeoutMs / 1000
  const isOidc = settings.type === 'oidc'
  let configuration: Promise<oidc.Configuration> | undefined

  function configure(): Promise<oidc.Configuration> {
    if (!configuration) {
      configuration = build().catch((err: unknown) => {
        configuration = undefined
        logger.warn({ err, provider: settings.id }, 'identity provider discovery failed')
        return mapError(settings, err)
      })
    }
    return configuration
  }

  async function build(): Promise<oidc.Configuration> {
    const metadata: Partial<oidc.ClientMetadata> = settings.clientSecret ? { client_secret: settings.clientSecret } : {}
    if (isOidc && settings.issuer) {
      const execute = [oidc.enableNonRepudiationChecks]
      if (isLoopback(settings.issuer)) execute.push(oidc.allowInsecureRequests)
      return oidc.discovery(new URL(settings.issuer), settings.clientId, metadata, undefined, {
        timeout: timeoutS,
        execute,
      })
    }
    const { authorizationUrl, tokenUrl, userinfoUrl } = settings
    if (!authorizationUrl || !tokenUrl || !userinfoUrl) throw new Error(`provider ${settings.id} lacks endpoints`)
    const config = new oidc.Configuration(
      {
        issuer: new URL(authorizationUrl).origin,
        authorization_endpoint: authorizationUrl,
        token_endpoint: tokenUrl,
        userinfo_endpoint: userinfoUrl,
      },
      settings.clientId,
      metadata,
    )
    config.timeout = timeoutS
    if ([authorizationUrl, tokenUrl, userinfoUrl, settings.emailsUrl].some(isLoopback))
      oidc.allowInsecureRequests(config)
    return config
  }

  async function oauth2Profile(config: oidc.Configuration, accessToken: string): Promise<ProviderProfile> {
    const get = async (url: string) =>
      readJson(
        settings,
        await oidc.fetchProtectedResource(
          config,
          accessToken,
          new URL(url),
          'GET',
          undefined,
          new Headers({ accept: 'application/json' }),
        ),
      )
    const user = (await get(settings.userinfoUrl as string)) as Record<string, unknown>
    const id = user.id ?? user.sub
    const subject = typeof id === 'number' ? String(id) : str(id)
    if (!subject) throw invalidResponse(settings, new Error('the user API answered no id'))
    let email = str(user.email)
    let emailVerified = user.email_verified === true
    if (settings.emailsUrl) {
      // GitHub: only the addresses list says which are verified; the primary verified one is the address.
      const list = await get(settings.emailsUrl)
      const emails = Array.isArray(list) ? (list as Record<string, unknown>[]) : []
      const chosen =
        emails.find((e) => e.primary === true && e.verified === true) ?? emails.find((e) => e.verified === true)
      email = chosen ? str(chosen.email) : (str(emails.find((e) => e.primary === true)?.email) ?? email)
      emailVerified = chosen !== undefined
    }
    return { subject, email, emailVerified, name: str(user.name) ?? str(user.login) }
  }

  return {
    settings,

    async authorizationUrl(redirectUri, checks) {
      const config = await configure()
      const parameters: Record<string, string> = {
        redirect_uri: redirectUri,
        response_type: 'code',
        state: checks.state,
        code_challenge: checks.codeChallenge,
        code_challenge_method: 'S256',
      }
      if (settings.scopes) parameters.scope = settings.scopes
      if (isOidc) parameters.nonce = checks.nonce
      return oidc.buildAuthorizationUrl(config, parameters)
    },

    async redeem(callbackUrl, checks) {
      try {
        const config = await configure()
        const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          ...(isOidc ? { expectedNonce: checks.nonce, idTokenExpected: true } : {}),
        })
        if (!isOidc) return await oauth2Profile(config, tokens.access_token)
        const claims = tokens.claims()
        if (!claims) throw invalidResponse(settings, new Error('no ID Token'))
        let profile: Record<string, unknown> = claims
        // Many providers put the email only in the UserInfo answer; its `sub` must be the ID Token's.
        if (claims.email === undefined && config.serverMetadata().userinfo_endpoint)
          profile = { ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)), ...claims }
        return {
          subject: claims.sub,
          email: str(profile.email),
          emailVerified: profile.email_verified === true,
          name: str(profile.name),
        }
      } catch (err) {
        // The reason (which check failed, what the provider said) is for the operator, not the client.
        logger.warn({ err, provider: settings.id }, 'provider sign-in refused')
        return mapError(settings, err)
      }
    },
  }
}

/** The configured providers by id; disabled ones are known (their sessions end) but sign nobody in. */
export function createProviderRegistry(settings: AuthProviderSettings[], timeoutMs: number, logger: Logger) {
  const providers = new Map(settings.map((s) => [s.id, createAuthProvider(s, timeoutMs, logger)]))
  return {
    /** The providers a login screen should offer, in configured order. */
    enabled: (): AuthProvider[] => [...providers.values()].filter((p) => p.settings.enabled),
    /** An enabled provider, or 404 `provider_not_found`. */
    get(id: string): AuthProvider {
      const provider = providers.get(id)
      if (!provider?.settings.enabled) throw new ApiError(404, 'provider_not_found', `No sign-in provider "${id}".`)
      return provider
    },
    isEnabled: (id: string) => providers.get(id)?.settings.enabled === true,
    name: (id: string) => providers.get(id)?.settings.name ?? id,
  }
}

export type ProviderRegistry = ReturnType<typeof createProviderRegistry>
