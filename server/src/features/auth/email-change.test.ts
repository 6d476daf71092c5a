import { describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app.js'
import { post } from '../../test/requests.js'
import { startTestSmtp } from '../../test/smtp.js'
import { type SignedUpUser, signUpUser } from '../../test/users.js'

const tokenIn = (text: string) => {
  const match = /https:\/\/app\.example\.com\/confirm-email-change\?token=([A-Za-z0-9_-]+)/.exec(text)
  if (!match?.[1]) throw new Error(`no confirmation link in:\n${text}`)
  return match[1]
}
const patchMe = (t: TestApp, user: SignedUpUser, body: unknown) =>
  t.request('/v1/me', {
    method: 'PATCH',
    headers: { ...user.authHeaders, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
const me = async (t: TestApp, user: SignedUpUser) => (await t.request('/v1/me', { headers: user.authHeaders })).json()
const confirm = (t: TestApp, token: string) => t.request('/v1/auth/email-change/confirm', post({ token }))
const logIn = (t: TestApp, email: string, password: string) => t.request('/v1/auth/login', post({ email, password }))

async function setup() {
  const smtp = await startTestSmtp()
  const t = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://app.example.com' })
  const alice = await signUpUser(t, { email: 'alice@example.com', name: 'Alice' })
  return { smtp, t, alice }
}

describe('changing the email address', () => {
  it('needs the current password, and changes nothing until the link mailed to the new address is followed', async () => {
    const { smtp, t, alice } = await setup()

    const noPassword = await patchMe(t, alice, { email: 'alice@new.example.com' })
    expect(noPassword.status).toBe(400)
    expect((await noPassword.json()).errors.map((e: { path: string }) => e.path)).toEqual(['/body/currentPassword'])
    const wrong = await patchMe(t, alice, { email: 'alice@new.example.com', currentPassword: 'not her password' })
    expect(wrong.status).toBe(422)
    expect((await wrong.json()).code).toBe('invalid_password')
    expect(await me(t, alice)).toMatchObject({ email: 'alice@example.com', pendingEmail: null })

    const res = await patchMe(t, alice, { email: 'alice@new.example.com', currentPassword: alice.password })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ email: 'alice@example.com', pendingEmail: 'alice@new.example.com' })
    expect(await me(t, alice)).toMatchObject({ email: 'alice@example.com', pendingEmail: 'alice@new.example.com' })
    // Someone holding only an access token has not taken the account: the old address still signs in.
    expect((await logIn(t, 'alice@new.example.com', alice.password)).status).toBe(401)
    expect((await logIn(t, 'alice@example.com', alice.password)).status).toBe(200)

    const notice = await smtp.waitForMail('alice@example.com', /about to change/i)
    expect(notice.text).toContain('alice@new.example.com')
    expect(notice.text).not.toMatch(/token=/)
    const token = tokenIn((await smtp.waitForMail('alice@new.example.com', /confirm/i)).text)

    expect((await confirm(t, token)).status).toBe(204)
    expect(await me(t, alice)).toMatchObject({
      email: 'alice@new.example.com',
      emailVerified: true,
      pendingEmail: null,
    })
    const changed = await smtp.waitForMail('alice@example.com', /was changed/i)
    expect(changed.text).toContain('alice@new.example.com')
    const again = await confirm(t, token)
    expect(again.status).toBe(422)
    expect((await again.json()).code).toBe('invalid_token')
    expect((await logIn(t, 'alice@new.example.com', alice.password)).status).toBe(200)
    expect((await logIn(t, 'alice@example.com', alice.password)).status).toBe(401)
  })

  it('answers the same whether or not another account has the address; that address gets a notice, not a link', async () => {
    const { smtp, t, alice } = await setup()
    const bob = await signUpUser(t, { email: 'bob@example.com' })
    const carol = await signUpUser(t, { email: 'carol@example.com', name: 'Alice' })

    const taken = await patchMe(t, alice, { email: 'BOB@example.com', currentPassword: alice.password })
    const free = await patchMe(t, carol, { email: 'dave@example.com', currentPassword: carol.password })
    expect(taken.status).toBe(200)
    expect(free.status).toBe(200)
    const shape = (body: Record<string, unknown>) => ({ ...body, id: '', email: '', createdAt: '', updatedAt: '' })
    const takenBody = await taken.json()
    const freeBody = await free.json()
    expect(takenBody.pendingEmail).toBe('BOB@example.com')
    expect(shape({ ...takenBody, pendingEmail: '' })).toEqual(shape({ ...freeBody, pendingEmail: '' }))

    const toBob = await smtp.waitForMail('bob@example.com', /confirm/i)
    expect(toBob.text).toMatch(/already uses it/)
    expect(toBob.text).not.toMatch(/token=/)
    tokenIn((await smtp.waitForMail('dave@example.com', /confirm/i)).text)
    // Bob's account is untouched.
    expect(await me(t, bob)).toMatchObject({ email: 'bob@example.com' })
  })

  it('a newer request replaces the link, the current address cancels, and an address taken meanwhile is refused', async () => {
    const { smtp, t, alice } = await setup()
    const ask = (email: string) => patchMe(t, alice, { email, currentPassword: alice.password })

    expect((await ask('first@example.com')).status).toBe(200)
    const first = tokenIn((await smtp.waitForMail('first@example.com', /confirm/i)).text)
    expect((await ask('second@example.com')).status).toBe(200)
    const second = tokenIn((await smtp.waitForMail('second@example.com', /confirm/i)).text)
    expect((await confirm(t, first)).status).toBe(422)

    // The current address (in any case) cancels the pending change, without the password.
    const cancel = await patchMe(t, alice, { email: 'Alice@example.com' })
    expect(cancel.status).toBe(200)
    expect(await cancel.json()).toMatchObject({ email: 'Alice@example.com', pendingEmail: null })
    expect((await confirm(t, second)).status).toBe(422)

    expect((await ask('third@example.com')).status).toBe(200)
    const third = tokenIn((await smtp.waitForMail('third@example.com', /confirm/i)).text)
    await signUpUser(t, { email: 'third@example.com' })
    const conflict = await confirm(t, third)
    expect(conflict.status).toBe(409)
    expect((await conflict.json()).code).toBe('email_taken')
    expect(await me(t, alice)).toMatchObject({ email: 'Alice@example.com' })
  })

  it('a pending change expires with its link', async () => {
    const { smtp, t, alice } = await setup()
    expect((await patchMe(t, alice, { email: 'later@example.com', currentPassword: alice.password })).status).toBe(200)
    const token = tokenIn((await smtp.waitForMail('later@example.com', /confirm/i)).text)
    const past = new Date(Date.now() - 1000).toISOString()
    await t.ctx.db.kysely.updateTable('email_tokens').set({ expires_at: past }).execute()
    await t.ctx.db.kysely.updateTable('users').set({ pending_email_expires_at: past }).execute()
    expect((await me(t, alice)).pendingEmail).toBeNull()
    expect((await confirm(t, token)).status).toBe(422)
    expect((await me(t, alice)).email).toBe('alice@example.com')
  })

  it('is for sessions only: an API key cannot change the address', async () => {
    const { t, alice } = await setup()
    const created = await t.request('/v1/me/api-keys', post({ name: 'k', scopes: ['write'] }, alice.authHeaders))
    const { key } = await created.json()
    const res = await t.request('/v1/me', {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'mallory@example.com', currentPassword: alice.password }),
    })
    expect(res.status).toBe(403)
    expect((await me(t, alice)).pendingEmail).toBeNull()
  })
})
