import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import Provider, { type KoaContextWithOIDC } from 'oidc-provider'
import { onTestFinished } from 'vitest'

export interface TestAccount {
  email?: string
  email_verified?: boolean
  name?: string
}

export interface TestOidcProvider {
  issuer: string
  clientId: string
  clientSecret: string
  /** The provider's people, by subject; a login as an unknown subject signs in a person without claims. */
  accounts: Map<string, TestAccount>
  /** The key the provider signs ID Tokens with (private), for tests that forge tokens the provider "issued". */
  signingKey: JWK
  /**
   * Set: rewrites every ID Token the token endpoint issues (the test's man in the middle). The provider
   * itself stays real; only what it answers is changed.
   */
  tamperIdToken?: (idToken: string) => Promise<string> | string
  /** Signs in at the provider's own login page as `subject`; answers the redirect back to the client. */
  login(authorizationUrl: string, subject: string): Promise<string>
  /** Starts the flow and declines at the provider's login page (its "abort" link); answers the redirect back. */
  decline(authorizationUrl: string): Promise<string>
  /** Stops answering (the provider is down). */
  stop(): Promise<void>
}

/** A minimal cookie jar over fetch with manual redirects, enough for the provider's interaction cookies. */
function browser() {
  const cookies = new Map<string, string>()
  return async (url: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers)
    if (cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    const res = await fetch(url, { ...init, headers, redirect: 'manual' })
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair?.indexOf('=') ?? -1
      if (pair && eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
    }
    return res
  }
}

/**
 * A real OpenID Connect provider (panva's oidc-provider, the certified implementation) in this process on
 * 127.0.0.1, with one confidential client whose redirect URIs are `redirectUris`, PKCE required, its
 * development login page (any password) and consent granted on first use, as a first-party provider would.
 * Stopped when the test ends.
 *
 * @example
 * const op = await startOidcProvider({ redirectUris: ['http://tasklane.test/v1/auth/providers/test/callback'] })
 * op.accounts.set('ada', { email: 'ada@example.com', email_verified: true, name: 'Ada' })
 */
export async function startOidcProvider(options: { redirectUris: string[] }): Promise<TestOidcProvider> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const signingKey: JWK = { ...(await exportJWK(privateKey)), kid: 'test-signing-key', alg: 'RS256', use: 'sig' }
  const clientId = 'tasklane-test'
  const clientSecret = 'a-test-client-secret-that-is-long-enough'
  const accounts = new Map<string, TestAccount>()

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [signingKey] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    cookies: { keys: ['a-cookie-signing-key-for-tests'] },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, ...accounts.get(sub) }),
    }),
    // A first-party provider: consent is implied, so the login page is the only interaction.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { oidc } = ctx
      if (!oidc.session?.accountId || !oidc.client) return undefined
      const grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId })
      grant.addOIDCScope('openid email profile')
      await grant.save()
      return grant
    },
    renderError: async (ctx, out) => {
      ctx.type = 'json'
      ctx.body = out
    },
  })
  const op: TestOidcProvider = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    signingKey,
    async login(authorizationUrl, subject) {
      const go = browser()
      const start = await go(authorizationUrl)
      const interaction = new URL(start.headers.get('location') ?? '', issuer)
      // The login page, then its form, exactly as a browser would submit it.
      await go(interaction.href)
      const submitted = await go(interaction.href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ prompt: 'login', login: subject, password: 'any password' }).toString(),
      })
      const resumed = await go(new URL(submitted.headers.get('location') ?? '', issuer).href)
      const back = resumed.headers.get('location')
      if (!back) throw new Error(`the provider did not redirect back (status ${resumed.status})`)
      return back
    },
    async decline(authorizationUrl) {
      const go = browser()
      const start = await go(authorizationUrl)
      const interaction = new URL(start.headers.get('location') ?? '', issuer)
      const aborted = await go(`${interaction.href}/abort`)
      const resumed = await go(new URL(aborted.headers.get('location') ?? '', issuer).href)
      return resumed.headers.get('location') ?? ''
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
  provider.use(async (ctx, next) => {
    await next()
    const body = ctx.body as { id_token?: string } | undefined
    if (op.tamperIdToken && ctx.path === '/token' && body?.id_token)
      ctx.body = { ...body, id_token: await op.tamperIdToken(body.id_token) }
  })
  server.on('request', provider.callback())
  onTestFinished(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return op
}
