import { describe, expect, it } from 'vitest'
import { clientAt, serveTestApp } from '../../test/serve.js'

describe('password-reset mails', () => {
  it('are limited per recipient across addresses, whether or not an account has the address', async () => {
    const { url } = await serveTestApp({ RATE_LIMIT_EMAIL_RECIPIENT: '4/3600', RATE_LIMIT_PASSWORD_RESET_IP: '10/900' })
    const owner = clientAt(url, '127.0.0.1')
    expect(
      (
        await owner.json('POST', '/v1/auth/signup', {
          email: 'victim@example.com',
          password: 'a long passphrase here',
          name: 'V',
        })
      ).status,
    ).toBe(201)
    for (const email of ['victim@example.com', 'nobody@example.com']) {
      const statuses: number[] = []
      // Three addresses, each well within its own per-IP limit, ask for mails to one inbox.
      for (let round = 0; round < 3; round++) {
        for (const from of ['127.0.1.1', '127.0.1.2', '127.0.1.3']) {
          const res = await clientAt(url, from).json('POST', '/v1/auth/password-reset', {
            email: round === 1 ? email.toUpperCase() : email,
          })
          statuses.push(res.status)
          if (res.status === 429) expect(res.headers.ratelimit).toMatch(/^"email-recipient";r=0;t=\d+$/)
        }
      }
      expect(statuses.filter((s) => s === 202).length, email).toBe(4)
      expect(statuses.filter((s) => s === 429).length, email).toBe(5)
    }
  })
})
