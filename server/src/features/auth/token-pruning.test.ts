import { describe, expect, it } from 'vitest'
import { createContext } from '../../context.js'
import { createTestApp, type TestApp, testContextOverrides } from '../../test/app.js'
import { signUpUser } from '../../test/users.js'

const iso = (ms: number) => new Date(ms).toISOString()

/** Another instance starting on the database runs the housekeeping at once (and then now and then). */
async function housekeepingRuns(t: TestApp) {
  const second = await createContext(t.ctx.config, {
    ...testContextOverrides(),
    database: t.database,
    logger: t.ctx.logger,
  })
  await second.close()
}

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

    await housekeepingRuns(t)

    const emailTokens = await db.selectFrom('email_tokens').select('token_hash').execute()
    const signupRequests = await db.selectFrom('signup_requests').select('token_hash').execute()
    expect(emailTokens.map((r) => r.token_hash)).toEqual(['et-live'])
    expect(signupRequests.map((r) => r.token_hash)).toEqual(['su-live'])
  })
})

describe('ended sessions', () => {
  it('are removed with their refresh tokens a session lifetime after they ended; live and recent ones stay', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t, { email: 'alice@example.com' })
    const db = t.ctx.db.kysely
    const now = Date.now()
    const day = 86_400_000
    const keptMs = t.ctx.config.SESSION_TTL_S * 1000
    const states = {
      live: { expires_at: iso(now + day), revoked_at: null },
      revokedLongAgo: { expires_at: iso(now + day), revoked_at: iso(now - keptMs - day) },
      revokedLately: { expires_at: iso(now + day), revoked_at: iso(now - day) },
      expiredLongAgo: { expires_at: iso(now - keptMs - day), revoked_at: null },
      expiredLately: { expires_at: iso(now - day), revoked_at: null },
    }
    for (const [state, times] of Object.entries(states)) {
      await db
        .insertInto('sessions')
        .values({
          id: `ses_${state}`,
          user_id: alice.user.id,
          device_label: state,
          created_at: iso(now - keptMs - 10 * day),
          last_used_at: iso(now - keptMs - 10 * day),
          revoked_reason: times.revoked_at ? 'logout' : null,
          grace_parent_hash: null,
          grace_token: null,
          rotated_at: null,
          ...times,
        })
        .execute()
      await db
        .insertInto('refresh_tokens')
        .values({ token_hash: `rt-${state}`, session_id: `ses_${state}`, created_at: iso(now - day), used_at: null })
        .execute()
    }

    await housekeepingRuns(t)

    const ids = Object.keys(states)
    const sessions = await db
      .selectFrom('sessions')
      .select('id')
      .where(
        'id',
        'in',
        ids.map((state) => `ses_${state}`),
      )
      .execute()
    const tokens = await db
      .selectFrom('refresh_tokens')
      .select('token_hash')
      .where(
        'token_hash',
        'in',
        ids.map((state) => `rt-${state}`),
      )
      .execute()
    expect(sessions.map((r) => r.id).sort()).toEqual(['ses_expiredLately', 'ses_live', 'ses_revokedLately'])
    expect(tokens.map((r) => r.token_hash).sort()).toEqual(['rt-expiredLately', 'rt-live', 'rt-revokedLately'])
    // The session signing up started is live, and still refreshes.
    const refreshed = await t.request('/v1/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: alice.refreshToken }),
    })
    expect(refreshed.status).toBe(200)
  })
})
