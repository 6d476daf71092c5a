import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { onTestFinished } from 'vitest'

export interface StubUser {
  id: number
  login: string
  name?: string | null
  /** GitHub's /user/emails: which addresses the person has, which is primary, which are verified. */
  emails: { email: string; primary: boolean; verified: boolean }[]
}

export interface OAuth2Stub {
  url: string
  clientId: string
  clientSecret: string
  users: Map<string, StubUser>
  /** Who is signed in at the stub; its authorize endpoint approves at once for them. */
  signedIn?: string
  /** Set: /user answers this status (e.g. 500, the API is having a bad day). */
  userApiStatus?: number
  /** Settings for a `github` provider `id` whose endpoints are this stub's. */
  settings(id?: string): Record<string, string>
  /** Opens the authorization URL as `login` and answers the stub's redirect back to the client. */
  authorize(authorizationUrl: string, login: string): Promise<string>
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => resolve(body))
  })

/**
 * A plain OAuth 2 provider shaped like GitHub, on 127.0.0.1: its authorize endpoint (approving at once for
 * whoever is `signedIn`), its token endpoint (which answers errors with 200 and an error body, as GitHub
 * does, checks the client secret, the redirect URI and PKCE, and takes each code once), `/user` and
 * `/user/emails`. No OpenID Connect: no ID Token, no nonce.
 */
export async function startOAuth2Stub(): Promise<OAuth2Stub> {
  const codes = new Map<string, { login: string; redirectUri: string; challenge: string | null }>()
  const tokens = new Map<string, string>()
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', stub.url)
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (url.pathname === '/login/oauth/authorize') {
      const redirectUri = url.searchParams.get('redirect_uri') ?? ''
      if (url.searchParams.get('client_id') !== stub.clientId || !stub.signedIn) return send(400, { error: 'bad' })
      const code = randomBytes(10).toString('hex')
      codes.set(code, { login: stub.signedIn, redirectUri, challenge: url.searchParams.get('code_challenge') })
      const back = new URL(redirectUri)
      back.searchParams.set('code', code)
      back.searchParams.set('state', url.searchParams.get('state') ?? '')
      res.writeHead(302, { location: back.href })
      return res.end()
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req))
      const grant = codes.get(form.get('code') ?? '')
      codes.delete(form.get('code') ?? '')
      const verifier = form.get('code_verifier') ?? ''
      const pkceOk = !grant?.challenge || createHash('sha256').update(verifier).digest('base64url') === grant.challenge
      if (
        !grant ||
        form.get('client_id') !== stub.clientId ||
        form.get('client_secret') !== stub.clientSecret ||
        form.get('redirect_uri') !== grant.redirectUri ||
        !pkceOk
      ) {
        return send(200, {
          error: 'bad_verification_code',
          error_description: 'The code passed is incorrect or expired.',
        })
      }
      const token = `gho_${randomBytes(12).toString('hex')}`
      tokens.set(token, grant.login)
      return send(200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' })
    }
    const login = tokens.get((req.headers.authorization ?? '').replace(/^(Bearer|token) /i, ''))
    const user = login ? stub.users.get(login) : undefined
    if (!user) return send(401, { message: 'Bad credentials' })
    if (url.pathname === '/user') {
      if (stub.userApiStatus) return send(stub.userApiStatus, { message: 'Server Error' })
      const publicEmail = user.emails.find((e) => e.primary)?.email ?? null
      return send(200, { login: user.login, id: user.id, name: user.name ?? null, email: publicEmail })
    }
    if (url.pathname === '/user/emails')
      return send(
        200,
        user.emails.map((e) => ({ ...e, visibility: null })),
      )
    return send(404, { message: 'Not Found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const stub: OAuth2Stub = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    clientId: 'Iv1.tasklanetest',
    clientSecret: 'github-stub-client-secret',
    users: new Map(),
    settings(id = 'github') {
      const key = id.toUpperCase().replaceAll('-', '_')
      return {
        [`AUTH_PROVIDER_${key}_TYPE`]: 'github',
        [`AUTH_PROVIDER_${key}_CLIENT_ID`]: stub.clientId,
        [`AUTH_PROVIDER_${key}_CLIENT_SECRET`]: stub.clientSecret,
        [`AUTH_PROVIDER_${key}_AUTHORIZATION_URL`]: `${stub.url}/login/oauth/authorize`,
        [`AUTH_PROVIDER_${key}_TOKEN_URL`]: `${stub.url}/login/oauth/access_token`,
        [`AUTH_PROVIDER_${key}_USERINFO_URL`]: `${stub.url}/user`,
        [`AUTH_PROVIDER_${key}_EMAILS_URL`]: `${stub.url}/user/emails`,
      }
    },
    async authorize(authorizationUrl, login) {
      stub.signedIn = login
      const res = await fetch(authorizationUrl, { redirect: 'manual' })
      const back = res.headers.get('location')
      if (!back) throw new Error(`the stub did not redirect back (status ${res.status})`)
      return back
    },
  }
  onTestFinished(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return stub
}
