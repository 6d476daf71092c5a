import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app.js'
import { waitForQueueEmpty } from '../../test/queue.js'
import { post, tokenIn } from '../../test/requests.js'
import { parseMail, startTestSmtp } from '../../test/smtp.js'
import { signUpUser } from '../../test/users.js'

const me = async (t: TestApp, headers: Record<string, string>) => (await t.request('/v1/me', { headers })).json()

describe('email verification', () => {
  it('sends a verification mail over SMTP on sign-up; its token verifies once only', async () => {
    const smtp = await startTestSmtp()
    const t = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://app.example.com' })
    const alice = await signUpUser(t, { email: 'alice@example.com' })
    const mail = await smtp.waitForMail('alice@example.com')
    expect(mail.subject).toMatch(/verify/i)
    const token = tokenIn(mail.text, '/verify-email')

    expect((await me(t, alice.authHeaders)).emailVerified).toBe(false)
    const ok = await t.request('/v1/auth/email-verification/confirm', post({ token }))
    expect(ok.status).toBe(204)
    expect((await me(t, alice.authHeaders)).emailVerified).toBe(true)
    const again = await t.request('/v1/auth/email-verification/confirm', post({ token }))
    expect(again.status).toBe(422)
    expect((await again.json()).code).toBe('invalid_token')

    const already = await t.request('/v1/auth/email-verification', { method: 'POST', headers: alice.authHeaders })
    expect(already.status).toBe(409)
  })

  it('a new verification mail replaces the earlier link', async () => {
    const smtp = await startTestSmtp()
    const t = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://app.example.com' })
    const alice = await signUpUser(t, { email: 'alice@example.com' })
    const first = tokenIn((await smtp.waitForMail('alice@example.com')).text, '/verify-email')
    const resend = await t.request('/v1/auth/email-verification', { method: 'POST', headers: alice.authHeaders })
    expect(resend.status).toBe(202)
    const second = tokenIn((await smtp.waitForMail('alice@example.com', /verify/i, 2)).text, '/verify-email')
    expect((await t.request('/v1/auth/email-verification/confirm', post({ token: first }))).status).toBe(422)
    expect((await t.request('/v1/auth/email-verification/confirm', post({ token: second }))).status).toBe(204)
    expect((await me(t, alice.authHeaders)).emailVerified).toBe(true)
  })

  it('writes mail as .eml files under the data directory when no SMTP server is configured', async () => {
    const t = await createTestApp({ PUBLIC_URL: 'https://app.example.com' })
    await signUpUser(t, { email: 'file@example.com' })
    await t.ctx.auth.idle()
    await waitForQueueEmpty(t.ctx)
    const dir = join(t.ctx.config.DATA_DIR, 'mail')
    const files = readdirSync(dir).filter((f) => f.endsWith('.eml'))
    expect(files).toHaveLength(1)
    const mail = parseMail(readFileSync(join(dir, files[0] ?? ''), 'utf8'))
    expect(mail.subject).toMatch(/verify/i)
    expect(mail.text).toContain('https://app.example.com/verify-email?token=vt_')
  })
})
