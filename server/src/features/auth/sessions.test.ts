import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../app.js'
import { createContext } from '../../context.js'
import { createTestApp, type TestApp, testContextOverrides } from '../../test/app.js'
import { post } from '../../test/requests.js'
import { signUpUser } from '../../test/users.js'

const refresh = (t: TestApp, refreshToken: string) => t.request('/v1/auth/refresh', post({ refreshToken }))
const me = (t: TestApp, accessToken: string) =>
  t.request('/v1/me', { headers: { Authorization: `Bearer ${accessToken}` } })
const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('refresh tokens', () => {
  it('rotates on every refresh: the new pair works and the old refresh token is used up', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const res = await refresh(t, alice.refreshToken)
    expect(res.status).toBe(200)
    const next = await res.json()
    expect(next.refreshToken).not.toBe(alice.refreshToken)
    expect(next.user.id).toBe(alice.user.id)
    expect((await me(t, next.accessToken)).status).toBe(200)
    const again = await refresh(t, next.refreshToken)
    expect(again.status).toBe(200)
  })

  it('gives two concurrent refreshes of one token the same new pair', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const [a, b] = await Promise.all([refresh(t, alice.refreshToken), refresh(t, alice.refreshToken)])
    expect(a.status).toBe(200)
    expect(b.status).toBe(200)
    const [pairA, pairB] = [await a.json(), await b.json()]
    expect(pairB.refreshToken).toBe(pairA.refreshToken)
    expect(pairB.accessToken).toBe(pairA.accessToken)
    // The session lives on: the shared new token rotates normally.
    expect((await refresh(t, pairA.refreshToken)).status).toBe(200)
  })

  it('revokes the whole session when a rotated token is presented after the grace window', async () => {
    const t = await createTestApp({ REFRESH_GRACE_S: '1' })
    const alice = await signUpUser(t)
    const first = await (await refresh(t, alice.refreshToken)).json()
    await sleep(1200)
    const reuse = await refresh(t, alice.refreshToken)
    expect(reuse.status).toBe(401)
    expect(await codeOf(reuse)).toBe('session_revoked')
    // The thief's copy and the legitimate holder's newer tokens are both dead now.
    const legit = await refresh(t, first.refreshToken)
    expect(legit.status).toBe(401)
    expect(await codeOf(legit)).toBe('session_revoked')
    const access = await me(t, first.accessToken)
    expect(access.status).toBe(401)
    expect(await codeOf(access)).toBe('session_revoked')
  })

  it('detects reuse of a token two rotations old too', async () => {
    const t = await createTestApp({ REFRESH_GRACE_S: '0' })
    const alice = await signUpUser(t)
    const one = await (await refresh(t, alice.refreshToken)).json()
    await sleep(20)
    const two = await (await refresh(t, one.refreshToken)).json()
    await sleep(20)
    expect((await refresh(t, alice.refreshToken)).status).toBe(401)
    expect(await codeOf(await refresh(t, two.refreshToken))).toBe('session_revoked')
  })

  it('answers token_expired for a session that was not refreshed within its lifetime', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    await t.ctx.db.kysely
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .execute()
    const res = await refresh(t, alice.refreshToken)
    expect(res.status).toBe(401)
    expect(await codeOf(res)).toBe('token_expired')
    const list = await (await t.request('/v1/me/sessions', { headers: alice.authHeaders })).json()
    expect(list.data).toEqual([])
  })

  it('answers token_invalid for an unknown refresh token', async () => {
    const t = await createTestApp()
    const res = await refresh(t, 'rt_not-a-real-token')
    expect(res.status).toBe(401)
    expect(await codeOf(res)).toBe('token_invalid')
  })
})

describe('ending sessions', () => {
  it('logOut cuts off the access token and the refresh token at once', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const out = await t.request('/v1/auth/logout', { method: 'POST', headers: alice.authHeaders })
    expect(out.status).toBe(204)
    const after = await me(t, alice.accessToken)
    expect(after.status).toBe(401)
    expect(await codeOf(after)).toBe('session_revoked')
    expect(await codeOf(await refresh(t, alice.refreshToken))).toBe('session_revoked')
  })

  it('lists sessions with device, times and the current one; revokeSession ends another at once', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const phone = await (
      await t.request(
        '/v1/auth/login',
        post(
          { email: alice.user.email, password: alice.password },
          { 'User-Agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile Safari/604.1' },
        ),
      )
    ).json()
    const list = await t.request('/v1/me/sessions', { headers: alice.authHeaders })
    expect(list.status).toBe(200)
    const { data, nextCursor } = await list.json()
    expect(nextCursor).toBeNull()
    expect(data).toHaveLength(2)
    const [newest, oldest] = data
    expect(newest).toMatchObject({ deviceLabel: 'Safari on iOS', current: false })
    expect(oldest).toMatchObject({ deviceLabel: 'Unknown device', current: true })
    expect(Date.parse(newest.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(newest.createdAt))

    const del = await t.request(`/v1/me/sessions/${newest.id}`, { method: 'DELETE', headers: alice.authHeaders })
    expect(del.status).toBe(204)
    expect(await codeOf(await me(t, phone.accessToken))).toBe('session_revoked')
    expect((await me(t, alice.accessToken)).status).toBe(200)
    const remaining = await (await t.request('/v1/me/sessions', { headers: alice.authHeaders })).json()
    expect(remaining.data.map((s: { id: string }) => s.id)).toEqual([oldest.id])
  })

  it('pages through sessions with a cursor and a Link header, and rejects forged cursors', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    for (let i = 0; i < 2; i++)
      await t.request('/v1/auth/login', post({ email: alice.user.email, password: alice.password }))
    const first = await t.request('/v1/me/sessions?limit=2', { headers: alice.authHeaders })
    const page1 = await first.json()
    expect(page1.data).toHaveLength(2)
    expect(first.headers.get('link')).toBe(`</v1/me/sessions?limit=2&cursor=${page1.nextCursor}>; rel="next"`)
    const page2 = await (
      await t.request(`/v1/me/sessions?limit=2&cursor=${page1.nextCursor}`, { headers: alice.authHeaders })
    ).json()
    expect(page2.data).toHaveLength(1)
    expect(page2.nextCursor).toBeNull()
    const flipped = page1.nextCursor.endsWith('A') ? 'B' : 'A'
    const forged = await t.request(`/v1/me/sessions?cursor=${page1.nextCursor.slice(0, -1)}${flipped}`, {
      headers: alice.authHeaders,
    })
    expect(forged.status).toBe(400)
    const bob = await signUpUser(t)
    const foreign = await t.request(`/v1/me/sessions?cursor=${page1.nextCursor}`, { headers: bob.authHeaders })
    expect(foreign.status).toBe(400)
  })

  it("answers 404 when revoking another user's session", async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const bob = await signUpUser(t)
    const aliceSessions = await (await t.request('/v1/me/sessions', { headers: alice.authHeaders })).json()
    const res = await t.request(`/v1/me/sessions/${aliceSessions.data[0].id}`, {
      method: 'DELETE',
      headers: bob.authHeaders,
    })
    expect(res.status).toBe(404)
    expect((await me(t, alice.accessToken)).status).toBe(200)
  })

  it('another instance on the same database stops accepting a revoked session within its poll interval', async () => {
    const t = await createTestApp({ REVOCATION_POLL_MS: '200' })
    const second = await createContext(t.ctx.config, {
      ...testContextOverrides(),
      database: t.database,
      logger: t.ctx.logger,
    })
    const other = createApp(second)
    try {
      const alice = await signUpUser(t)
      const viaOther = async () => (await other.request('/v1/me', { headers: alice.authHeaders })).status
      expect(await viaOther()).toBe(200)
      await t.request('/v1/auth/logout', { method: 'POST', headers: alice.authHeaders })
      await sleep(600)
      expect(await viaOther()).toBe(401)
    } finally {
      await second.close()
    }
  })
})

describe('access tokens', () => {
  const sign = (
    t: TestApp,
    claims: Record<string, unknown>,
    opts: { key?: Uint8Array; alg?: string; exp?: number } = {},
  ) =>
    new SignJWT({ sid: 'ses_01JD8X3Z7Q2W6V5T4R3P1N0M9K', scope: 'read write', ...claims })
      .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'at+jwt' })
      .setIssuer('tasklane')
      .setAudience('tasklane-api')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 600)
      .sign(opts.key ?? t.ctx.secrets.key('jwt'))

  it('rejects expired, tampered, alg:none, wrong-key and algorithm-swapped tokens', async () => {
    const t = await createTestApp()
    const alice = await signUpUser(t)
    const bob = await signUpUser(t)
    const sid = JSON.parse(Buffer.from(alice.accessToken.split('.')[1] ?? '', 'base64url').toString()).sid

    const expired = await sign(t, { sub: alice.user.id, sid }, { exp: Math.floor(Date.now() / 1000) - 60 })
    expect(await codeOf(await me(t, expired))).toBe('token_expired')

    const [header, payload, signature] = alice.accessToken.split('.')
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString())
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: bob.user.id })).toString('base64url')}.${signature}`
    expect(await codeOf(await me(t, tampered))).toBe('token_invalid')

    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`
    expect(await codeOf(await me(t, none))).toBe('token_invalid')

    const wrongKey = await sign(t, { sub: alice.user.id, sid }, { key: randomBytes(32) })
    expect(await codeOf(await me(t, wrongKey))).toBe('token_invalid')

    const swapped = await sign(t, { sub: alice.user.id, sid }, { alg: 'HS512' })
    expect(await codeOf(await me(t, swapped))).toBe('token_invalid')

    // The control: the same construction with the right key and algorithm is accepted.
    const valid = await sign(t, { sub: alice.user.id, sid })
    expect((await me(t, valid)).status).toBe(200)
  })
})
