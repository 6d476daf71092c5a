import { describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app.js'
import { post } from '../../test/requests.js'
import { signUpUser } from '../../test/users.js'
import type { EmailTokenRow } from './auth.repository.js'

// A new emailed link ends the earlier ones of its kind: a user has at most one live reset, verification or
// email-change link. Requests that arrive together must keep that too (as sign-up links do).

const TOGETHER = 12

async function liveTokens(t: TestApp, userId: string, purpose: EmailTokenRow['purpose']): Promise<number> {
  const row = await t.ctx.db.kysely
    .selectFrom('email_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

describe('emailed links requested together', () => {
  it('leave one live password-reset link per account', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t, { email: 'alice@example.com' })
    const answers = await Promise.all(
      Array.from({ length: TOGETHER }, (_, i) =>
        t.request('/v1/auth/password-reset', post({ email: i % 2 ? 'ALICE@example.com' : 'alice@example.com' })),
      ),
    )
    expect(answers.map((res) => res.status)).toEqual(answers.map(() => 202))
    await t.ctx.auth.idle()
    expect(await liveTokens(t, alice.user.id, 'reset_password')).toBe(1)
  })

  it('leave one live email-verification link per account', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t, { email: 'alice@example.com' })
    const answers = await Promise.all(
      Array.from({ length: TOGETHER }, () =>
        t.request('/v1/auth/email-verification', { method: 'POST', headers: alice.authHeaders }),
      ),
    )
    expect(answers.map((res) => res.status)).toEqual(answers.map(() => 202))
    expect(await liveTokens(t, alice.user.id, 'verify_email')).toBe(1)
  })

  it('leave one live email-change link per account', async () => {
    const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false' })
    const alice = await signUpUser(t, { email: 'alice@example.com' })
    const answers = await Promise.all(
      Array.from({ length: TOGETHER }, (_, i) =>
        t.request('/v1/me', {
          method: 'PATCH',
          headers: { ...alice.authHeaders, 'content-type': 'application/json' },
          body: JSON.stringify({ email: `alice${i % 3}@new.example.com`, currentPassword: alice.password }),
        }),
      ),
    )
    expect(answers.map((res) => res.status)).toEqual(answers.map(() => 200))
    expect(await liveTokens(t, alice.user.id, 'change_email')).toBe(1)
  })
})
