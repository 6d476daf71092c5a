import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createTestApp } from '../../test/app.js'
import { post, tokenIn } from '../../test/requests.js'
import { startTestSmtp } from '../../test/smtp.js'
import { signUpUser } from '../../test/users.js'

describe('password reset', () => {
  it('leaves no reset link behind when its mail cannot be queued: the token and the mail commit together', async () => {
    const t = await createTestApp({ PUBLIC_URL: 'https://app.example.com' })
    const alice = await signUpUser(t, { email: 'alice@example.com' })
    const db = t.ctx.db.kysely
    // The queue's table is out of reach for the moment, so putting the mail on it fails.
    await sql`alter table jobs rename to jobs_away`.execute(db)
    try {
      const res = await t.request('/v1/auth/password-reset', post({ email: 'alice@example.com' }))
      expect(res.status).toBe(202)
      await t.ctx.auth.idle()
    } finally {
      await sql`alter table jobs_away rename to jobs`.execute(db)
    }
    const tokens = await db
      .selectFrom('email_tokens')
      .select('token_hash')
      .where('user_id', '=', alice.user.id)
      .where('purpose', '=', 'reset_password')
      .execute()
    expect(tokens).toEqual([])
  })

  it('mails a single-use token that sets a new password and ends every session', async () => {
    const smtp = await startTestSmtp()
    const t = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://app.example.com' })
    const alice = await signUpUser(t, { email: 'alice@example.com' })
    const res = await t.request('/v1/auth/password-reset', post({ email: 'ALICE@example.com' }))
    expect(res.status).toBe(202)
    const mail = await smtp.waitForMail('alice@example.com', /reset/i)
    const token = tokenIn(mail.text, '/reset-password')

    const common = await t.request('/v1/auth/password-reset/confirm', post({ token, newPassword: 'password1234' }))
    expect(common.status).toBe(422)
    expect((await common.json()).code).toBe('password_too_common')

    const reset = await t.request(
      '/v1/auth/password-reset/confirm',
      post({ token, newPassword: 'a fresh reset passphrase' }),
    )
    expect(reset.status).toBe(204)
    const old = await t.request('/v1/me', { headers: alice.authHeaders })
    expect(old.status).toBe(401)
    expect((await old.json()).code).toBe('session_revoked')
    const oldRefresh = await t.request('/v1/auth/refresh', post({ refreshToken: alice.refreshToken }))
    expect((await oldRefresh.json()).code).toBe('session_revoked')

    const again = await t.request(
      '/v1/auth/password-reset/confirm',
      post({ token, newPassword: 'yet another passphrase' }),
    )
    expect(again.status).toBe(422)
    expect((await again.json()).code).toBe('invalid_token')
    const login = await t.request(
      '/v1/auth/login',
      post({ email: 'alice@example.com', password: 'a fresh reset passphrase' }),
    )
    expect(login.status).toBe(200)
    // Following the emailed link proves the user reads that address.
    expect((await login.json()).user.emailVerified).toBe(true)
  })

  it('answers the same whether or not the email exists, and mails only real accounts', async () => {
    const smtp = await startTestSmtp()
    const t = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://app.example.com' })
    await signUpUser(t, { email: 'alice@example.com' })
    await smtp.waitForMail('alice@example.com')
    const known = await t.request('/v1/auth/password-reset', post({ email: 'alice@example.com' }))
    const unknown = await t.request('/v1/auth/password-reset', post({ email: 'nobody@example.com' }))
    expect(known.status).toBe(202)
    expect(unknown.status).toBe(202)
    expect(await known.text()).toBe(await unknown.text())
    await smtp.waitForMail('alice@example.com', /reset/i)
    await t.ctx.auth.idle()
    expect(smtp.messages.filter((m) => m.to.includes('nobody@example.com'))).toHaveLength(0)
  })

  it('rejects an expired or unknown reset token', async () => {
    const smtp = await startTestSmtp()
    const t = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://app.example.com' })
    await signUpUser(t, { email: 'alice@example.com' })
    await t.request('/v1/auth/password-reset', post({ email: 'alice@example.com' }))
    const token = tokenIn((await smtp.waitForMail('alice@example.com', /reset/i)).text, '/reset-password')
    await t.ctx.db.kysely
      .updateTable('email_tokens')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .execute()
    const expired = await t.request(
      '/v1/auth/password-reset/confirm',
      post({ token, newPassword: 'a fresh reset passphrase' }),
    )
    expect(expired.status).toBe(422)
    const unknown = await t.request(
      '/v1/auth/password-reset/confirm',
      post({ token: 'pr_nope', newPassword: 'a fresh reset passphrase' }),
    )
    expect(unknown.status).toBe(422)
  })
})
