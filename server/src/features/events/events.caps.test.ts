import { describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app.js'
import { openStream } from '../../test/events.js'
import { createApiKeyFor, signUpUser } from '../../test/users.js'

async function setup(env: Record<string, string>) {
  const t = await createTestApp({ RATE_LIMITS_ENABLED: 'false', ...env })
  const alice = await signUpUser(t)
  return { t, alice }
}

/** Asks for one more stream, expecting a refusal; answers its status, `Retry-After` and problem. */
async function refused(t: TestApp, headers: Record<string, string>) {
  const res = await t.request('/v1/events', { headers })
  const problem = res.headers.get('content-type')?.startsWith('application/problem+json') ? await res.json() : null
  if (problem === null) await res.body?.cancel()
  return { status: res.status, retryAfter: res.headers.get('retry-after'), problem }
}

describe('limits on open event streams', () => {
  it('refuses a user a stream past EVENTS_MAX_STREAMS_PER_USER with 429 too_many_streams, and opens one again once a stream ends', async () => {
    const { t, alice } = await setup({ EVENTS_MAX_STREAMS_PER_USER: '3' })
    const streams = []
    for (let i = 0; i < 3; i++) streams.push(await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders }))
    const over = await refused(t, alice.authHeaders)
    expect(over).toMatchObject({ status: 429, problem: { code: 'too_many_streams', status: 429 } })
    expect(Number(over.retryAfter)).toBeGreaterThan(0)
    // Another user is not held back by alice's streams.
    const bob = await signUpUser(t)
    await openStream(t.fetch, t.baseUrl, { headers: bob.authHeaders })
    // Keys count towards their user's streams too.
    const key = await createApiKeyFor(t, alice.accessToken, ['read'])
    expect((await refused(t, key.authHeaders)).status).toBe(429)

    await streams[0]?.close()
    await expect.poll(() => t.ctx.services.events.openStreams).toBe(3)
    await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
    expect((await refused(t, alice.authHeaders)).status).toBe(429)
  })

  it('refuses an API key a stream past EVENTS_MAX_STREAMS_PER_KEY with 429, while its user may still open others', async () => {
    const { t, alice } = await setup({ EVENTS_MAX_STREAMS_PER_KEY: '2' })
    const key = await createApiKeyFor(t, alice.accessToken, ['read'])
    const other = await createApiKeyFor(t, alice.accessToken, ['read'])
    for (let i = 0; i < 2; i++) await openStream(t.fetch, t.baseUrl, { headers: key.authHeaders })
    const over = await refused(t, key.authHeaders)
    expect(over).toMatchObject({ status: 429, problem: { code: 'too_many_streams' } })
    expect(Number(over.retryAfter)).toBeGreaterThan(0)
    await openStream(t.fetch, t.baseUrl, { headers: other.authHeaders })
    await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
  })

  it('refuses a stream past EVENTS_MAX_STREAMS on the instance with 503 streams_unavailable and Retry-After', async () => {
    const { t, alice } = await setup({ EVENTS_MAX_STREAMS: '2' })
    const bob = await signUpUser(t)
    const first = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
    await openStream(t.fetch, t.baseUrl, { headers: bob.authHeaders })
    const over = await refused(t, alice.authHeaders)
    expect(over).toMatchObject({ status: 503, problem: { code: 'streams_unavailable', status: 503 } })
    expect(Number(over.retryAfter)).toBeGreaterThan(0)
    // HEAD opens no stream, so it is not refused for want of one.
    expect((await t.request('/v1/events', { method: 'HEAD', headers: alice.authHeaders })).status).toBe(200)

    await first.close()
    await expect.poll(() => t.ctx.services.events.openStreams).toBe(1)
    await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
  })

  it('gives a slot back when the server ends a stream (auth_expired)', async () => {
    const { t, alice } = await setup({ EVENTS_MAX_STREAMS_PER_USER: '1' })
    const key = await createApiKeyFor(t, alice.accessToken, ['read'], {
      expiresAt: new Date(Date.now() + 1_500).toISOString(),
    })
    const byKey = await openStream(t.fetch, t.baseUrl, { headers: key.authHeaders })
    expect((await refused(t, alice.authHeaders)).status).toBe(429)
    expect(await byKey.next(4_000)).toEqual({ event: 'auth_expired', data: {} })
    await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
  })
})
