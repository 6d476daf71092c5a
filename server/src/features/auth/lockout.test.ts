import { describe, expect, it } from 'vitest'
import { clientAt, serveTestApp } from '../../test/serve.js'

const OWNER = { email: 'owner@example.com', password: 'the owner’s long passphrase' }

describe('strangers guessing an account’s password', () => {
  it('cannot lock the owner out of an address they signed in from before: 10 addresses × 10 guesses', async () => {
    const { url } = await serveTestApp({ RATE_LIMIT_LOGIN_ACCOUNT: '100/900', RATE_LIMIT_LOGIN_ACCOUNT_IP: '10/900' })
    const home = clientAt(url, '127.0.2.1')
    expect((await home.json('POST', '/v1/auth/signup', { ...OWNER, name: 'Owner' })).status).toBe(201)
    const office = clientAt(url, '127.0.2.2')
    expect((await office.json('POST', '/v1/auth/login', OWNER)).status).toBe(200)

    // Ten addresses, ten wrong guesses each (eleven, so each also meets its own per-address limit).
    const statuses = await Promise.all(
      Array.from({ length: 10 }, async (_, a) => {
        const stranger = clientAt(url, `127.0.3.${a + 1}`)
        const mine: number[] = []
        for (let g = 0; g < 11; g++) {
          mine.push(
            (await stranger.json('POST', '/v1/auth/login', { email: OWNER.email, password: `guess ${a} ${g}` })).status,
          )
        }
        return mine
      }),
    )
    const all = statuses.flat()
    // The owner's sign-in from the office counted too: the 100th guess met the account-wide ceiling, and
    // each address's 11th its own limit.
    expect(all.filter((s) => s === 401).length).toBe(99)
    expect(all.filter((s) => s === 429).length).toBe(11)
    // The account-wide ceiling is used up: a new address is refused for now…
    const elsewhere = await clientAt(url, '127.0.2.50').json('POST', '/v1/auth/login', OWNER)
    expect(elsewhere.status).toBe(429)
    expect(elsewhere.headers.ratelimit).toMatch(/^"login-account";r=0;t=\d+$/)
    // …but the owner signs in from where they signed up, and from where they signed in before.
    expect((await home.json('POST', '/v1/auth/login', OWNER)).status).toBe(200)
    expect((await office.json('POST', '/v1/auth/login', OWNER)).status).toBe(200)
  })
})
