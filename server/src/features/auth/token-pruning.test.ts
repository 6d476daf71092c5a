import { describe, expect, it } from 'vitest'
import { createContext } from '../../context.js'
import { createTestApp, testContextOverrides } from '../../test/app.js'
import { signUpUser } from '../../test/users.js'

const iso = (ms: number) => new Date(ms).toISOString()

describe('spent emailed tokens', () => {
  it('are removed by the periodic housekeeping once used or expired; live ones stay', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t, { email: 'alice@example.com' })
    const db = t.ctx.db.kysely
    const now = Date.now()
    const hour = 3600_000
    const states = {
      live: { created_at: iso(now - hour), expires_at: iso(now + hour), used_at: null },
      used: { created_at: iso(now - hour), expires_at: iso(now + hour), used_at: iso(now - 60_000) },
      expired: { created_at: iso(now - 3 * hour), expires_at: iso(now - hour), used_at: null },
    }
    // Signing up left a verification token of its own; only these are counted.
    await db.deleteFrom('email_tokens').execute()
    for (const [state, times] of Object.entries(states)) {
      await db
        .insertInto('email_tokens')
        .values({
          token_hash: `et-${state}`,
          user_id: alice.user.id,
          purpose: 'reset_password',
          email: 'alice@example.com',
          ...times,
        })
        .execute()
      await db
        .insertInto('signup_requests')
        .values({
          token_hash: `su-${state}`,
          email: `${state}@example.com`,
          email_normalized: `${state}@example.com`,
          ...times,
        })
        .execute()
    }

    // Another instance starting on the database runs the housekeeping at once (and then now and then).
    const second = await createContext(t.ctx.config, {
      ...testContextOverrides(),
      database: t.database,
      logger: t.ctx.logger,
    })
    await second.close()

    const emailTokens = await db.selectFrom('email_tokens').select('token_hash').execute()
    const signupRequests = await db.selectFrom('signup_requests').select('token_hash').execute()
    expect(emailTokens.map((r) => r.token_hash)).toEqual(['et-live'])
    expect(signupRequests.map((r) => r.token_hash)).toEqual(['su-live'])
  })
})
