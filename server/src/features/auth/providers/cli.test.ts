import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { AuthResult } from '../../../generated/routes.js'
import { appWithOidcProvider, exchange, startSignIn } from '../../../test/identities.js'

describe('signing in from a command-line app', () => {
  it('comes back to a loopback listener on any port, which exchanges the code for a session', async () => {
    const { t, op } = await appWithOidcProvider()
    op.accounts.set('ada', { email: 'ada@example.com', email_verified: true })
    // The CLI listens on a port of its choosing on 127.0.0.1, as RFC 8252 describes.
    let arrived: (params: URLSearchParams) => void = () => {}
    const received = new Promise<URLSearchParams>((resolve) => {
      arrived = resolve
    })
    const listener = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window.')
      arrived(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams)
    })
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((done) => listener.close(() => done())))
    const redirectUri = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/callback`
    const { authorizationUrl, verifier } = await startSignIn(t, 'test', { redirectUri, state: 'cli' })

    // The person's browser: the provider's login, then Tasklane's callback, then the CLI's listener.
    const callback = await t.fetch(await op.login(authorizationUrl, 'ada'), { redirect: 'manual' })
    const toCli = callback.headers.get('location') ?? ''
    expect(toCli.startsWith(`${redirectUri}?`)).toBe(true)
    await fetch(toCli)
    const params = await received
    expect(params.get('state')).toBe('cli')

    const res = await exchange(t, params.get('code') ?? '', verifier)
    expect(res.status).toBe(200)
    expect(((await res.json()) as AuthResult).user.email).toBe('ada@example.com')
  })
})
