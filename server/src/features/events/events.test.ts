import { describe, expect, it, vi } from 'vitest'
import { appWithProject, openStream, recordChange, stalledStream } from '../../test/events.js'
import { present } from '../../test/present.js'
import { addMember, createProject, jsonRequest } from '../../test/projects.js'
import { createApiKeyFor, signUpUser } from '../../test/users.js'
import { createAccessTokens } from '../auth/tokens.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('streamEvents', () => {
  it('sends retry first, then each visible change with its seq as id, with headers for proxies', async () => {
    const { t, alice, project } = await appWithProject()
    const stream = await openStream(t.fetch, t.baseUrl, {
      headers: { ...alice.authHeaders, 'Accept-Encoding': 'gzip' },
    })
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(stream.response.headers.get('cache-control')).toBe('no-cache, no-transform')
    expect(stream.response.headers.get('x-accel-buffering')).toBe('no')
    expect(stream.response.headers.get('content-encoding')).toBeNull()
    await stream.waitFor((b) => b.retry !== undefined)
    expect(stream.blocks[0]).toEqual({ retry: 3000, comments: [] })
    const latest = String(await t.ctx.changeLog.latestSeq())
    expect(stream.blocks[1]).toEqual({ event: { id: latest, event: 'ready', data: { since: latest } }, comments: [] })

    const seq = await recordChange(t, project.id, 'tsk_1')
    const event = await stream.next()
    expect(event).toEqual({
      id: String(seq),
      event: 'task.updated',
      data: expect.objectContaining({
        seq: String(seq),
        type: 'task.updated',
        projectId: project.id,
        data: expect.objectContaining({ title: 'tsk_1' }),
      }),
    })
  })

  it('starts after the newest change without a position, and never sends what the caller may not see', async () => {
    const { t, alice, project } = await appWithProject()
    const bob = await signUpUser(t)
    const bobs = await createProject(t, bob.authHeaders)
    await recordChange(t, project.id, 'tsk_before')
    const stream = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
    await recordChange(t, bobs.id, 'tsk_bobs')
    const mine = await recordChange(t, project.id, 'tsk_after')
    expect((await stream.next()).id).toBe(String(mine))
    await sleep(100)
    expect(stream.events().map((e) => e.data.data.title)).toEqual(['tsk_after'])
  })

  it('starts with ready carrying the position it streams after: the newest change, since, or Last-Event-ID', async () => {
    const { t, alice, project } = await appWithProject()
    const start = await t.ctx.changeLog.latestSeq()
    const later = await recordChange(t, project.id, 'tsk_later')
    const ready = { event: 'ready', id: String(later), data: { since: String(later) } }
    const fresh = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
    expect(fresh.ready).toEqual(ready)
    const bySince = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders, since: String(start) })
    expect(bySince.ready).toEqual({ event: 'ready', id: String(start), data: { since: String(start) } })
    // The position comes before any change, so the change after `start` follows it.
    expect((await bySince.next()).id).toBe(String(later))
    const byHeader = await openStream(t.fetch, t.baseUrl, {
      headers: alice.authHeaders,
      lastEventId: String(later),
      since: String(start),
    })
    expect(byHeader.ready).toEqual(ready)
  })

  it('resumes after Last-Event-ID or since with no gap and no duplicate; Last-Event-ID wins', async () => {
    const { t, alice, project } = await appWithProject()
    const start = await t.ctx.changeLog.latestSeq()
    const seqs: bigint[] = []
    for (let i = 0; i < 5; i++) seqs.push(await recordChange(t, project.id, `tsk_${i}`))
    const ids = (events: { id?: string }[]) => events.map((e) => e.id)

    const first = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders, since: String(start) })
    await first.next()
    const second = await first.next()
    await first.close()
    expect(second.id).toBe(String(seqs[1]))

    const position = present(second.id, 'the id of the second event')
    const byHeader = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders, lastEventId: position })
    const byQuery = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders, since: position })
    const both = await openStream(t.fetch, t.baseUrl, {
      headers: alice.authHeaders,
      lastEventId: position,
      since: String(start),
    })
    const rest = seqs.slice(2).map(String)
    for (const stream of [byHeader, byQuery, both]) {
      await stream.waitFor((b) => b.event?.id === rest.at(-1))
      expect(ids(stream.events())).toEqual(rest)
    }
  })

  it('answers 410 cursor_expired for a position older than the log keeps, 400 for a malformed one', async () => {
    const { t, alice, project } = await appWithProject({ CHANGES_RETENTION_S: '60' })
    const start = await t.ctx.changeLog.latestSeq()
    const old = await recordChange(t, project.id, 'tsk_old')
    const older = await recordChange(t, project.id, 'tsk_older')
    expect(older).toBeGreaterThan(old)
    await t.ctx.db.kysely
      .updateTable('changes')
      .set({ created_at: new Date(Date.now() - 120_000).toISOString() })
      .where('seq', '<=', String(older))
      .execute()
    await t.ctx.changeLog.prune()
    const expired = await t.request(`/v1/events?since=${start}`, { headers: alice.authHeaders })
    expect(expired.status).toBe(410)
    // The same problem as /v1/changes answers for the same position.
    const problem = await expired.json()
    expect(problem).toMatchObject({ code: 'cursor_expired', status: 410, title: 'Gone' })
    const polled = await t.request(`/v1/changes?since=${start}`, { headers: alice.authHeaders })
    expect(await polled.json()).toMatchObject({ code: problem.code, title: problem.title, detail: problem.detail })
    const header = await t.request('/v1/events', { headers: { ...alice.authHeaders, 'Last-Event-ID': String(start) } })
    expect(header.status).toBe(410)
    await header.body?.cancel()
    // `since=0` reads from the oldest change kept, as listChanges does; it never expires.
    const fromStart = await t.request('/v1/events?since=0', { headers: alice.authHeaders })
    expect(fromStart.status).toBe(200)
    await fromStart.body?.cancel()
    // Up to date with the pruned log: nothing was missed.
    const current = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders, since: String(older) })
    const next = await recordChange(t, project.id, 'tsk_new')
    expect((await current.next()).id).toBe(String(next))

    const malformed = await t.request('/v1/events?since=abc', { headers: alice.authHeaders })
    expect(malformed.status).toBe(400)
    const huge = await t.request('/v1/events?since=9999999999999999999', { headers: alice.authHeaders })
    expect(huge.status).toBe(400)
    expect(await huge.json()).toMatchObject({ code: 'since_ahead', errors: [{ path: '/query/since' }] })
  })

  it('needs credentials, and a project the caller belongs to when filtering by project', async () => {
    const { t, alice, project } = await appWithProject()
    const bob = await signUpUser(t)
    expect((await t.request('/v1/events')).status).toBe(401)
    const foreign = await t.request(`/v1/events?projectId=${project.id}`, { headers: bob.authHeaders })
    expect(foreign.status).toBe(404)
    const other = await createProject(t, alice.authHeaders)
    const stream = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders, projectId: project.id })
    await recordChange(t, other.id, 'tsk_other')
    const mine = await recordChange(t, project.id, 'tsk_mine')
    expect((await stream.next()).id).toBe(String(mine))
    expect(stream.events()).toHaveLength(1)
  })

  it('answers HEAD with the stream headers and opens no stream', async () => {
    const { t, alice } = await appWithProject()
    const subscribe = vi.spyOn(t.ctx.changeSignal, 'subscribe')
    const res = await t.request('/v1/events', { method: 'HEAD', headers: alice.authHeaders })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(subscribe).not.toHaveBeenCalled()
    await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
    expect(subscribe).toHaveBeenCalledTimes(1)
  })

  it('sends a heartbeat comment every EVENTS_HEARTBEAT_S', async () => {
    const { t, alice } = await appWithProject({ EVENTS_HEARTBEAT_S: '1' })
    const stream = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
    const started = Date.now()
    await stream.waitFor((b) => b.comments.includes('heartbeat'), 3_000)
    const first = Date.now() - started
    await stream.waitFor((b) => b !== stream.blocks.find((x) => x.comments.length > 0) && b.comments.length > 0, 3_000)
    expect(first).toBeLessThan(1_500)
    expect(stream.events()).toEqual([])
  })

  it('ends with a reconnect event carrying the position when the server shuts down', async () => {
    const { t, alice, project } = await appWithProject()
    const stream = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
    const seq = await recordChange(t, project.id, 'tsk_1')
    await stream.next()
    t.ctx.beginShutdown()
    expect(await stream.next()).toEqual({ event: 'reconnect', data: { reason: 'shutdown', since: String(seq) } })
    await stream.ended
  })

  it('ends with auth_expired when the access token expires', async () => {
    const { t, alice, project } = await appWithProject()
    const claims = JSON.parse(Buffer.from(present(alice.accessToken.split('.')[1]), 'base64url').toString())
    const tokens = await createAccessTokens(t.ctx.secrets.key('jwt'), 60)
    // Issued 58.5 s ago with a 60 s lifetime: valid for another ~1.5 s.
    const token = await tokens.sign(
      { userId: alice.user.id, sessionId: claims.sid, scopes: ['read', 'write'] },
      Math.floor(Date.now() / 1000) - 58,
    )
    const stream = await openStream(t.fetch, t.baseUrl, { headers: { Authorization: `Bearer ${token}` } })
    await recordChange(t, project.id, 'tsk_1')
    await stream.next()
    expect(await stream.next(4_000)).toEqual({ event: 'auth_expired', data: {} })
    await stream.ended
  })

  it('ends with auth_expired when an API key expires or the session logs out', async () => {
    const { t, alice } = await appWithProject()
    const { authHeaders } = await createApiKeyFor(t, alice.accessToken, ['read'], {
      expiresAt: new Date(Date.now() + 1_500).toISOString(),
    })
    const byKey = await openStream(t.fetch, t.baseUrl, { headers: authHeaders })
    const bySession = await openStream(t.fetch, t.baseUrl, { headers: alice.authHeaders })
    const loggedOut = Date.now()
    expect((await jsonRequest(t, 'POST', '/v1/auth/logout', alice.authHeaders)).status).toBe(204)
    expect(await bySession.next(3_000)).toEqual({ event: 'auth_expired', data: {} })
    expect(Date.now() - loggedOut).toBeLessThan(1_500)
    await bySession.ended
    expect(await byKey.next(4_000)).toEqual({ event: 'auth_expired', data: {} })
    await byKey.ended
  })

  it('tells a removed member access_revoked within a second and sends nothing more of that project', async () => {
    const { t, alice, project } = await appWithProject()
    const bob = await signUpUser(t)
    await addMember(t, project.id, bob.user.id, 'editor')
    const bobsOwn = await createProject(t, bob.authHeaders)
    const stream = await openStream(t.fetch, t.baseUrl, { headers: bob.authHeaders })
    const before = await recordChange(t, project.id, 'tsk_1')
    expect((await stream.next()).id).toBe(String(before))

    const removed = Date.now()
    const res = await jsonRequest(t, 'DELETE', `/v1/projects/${project.id}/members/${bob.user.id}`, alice.authHeaders)
    expect(res.status).toBe(204)
    const revoked = await stream.waitFor((b) => b.event?.event === 'access_revoked', 1_000)
    expect(Date.now() - removed).toBeLessThan(1_000)
    expect(revoked.event?.data).toEqual({ projectId: project.id })

    await recordChange(t, project.id, 'tsk_after_removal')
    const marker = await recordChange(t, bobsOwn.id, 'tsk_marker')
    await stream.waitFor((b) => b.event?.id === String(marker))
    const after = stream.events().slice(stream.events().indexOf(present(revoked.event)) + 1)
    expect(after.map((e) => e.data.projectId)).toEqual([bobsOwn.id])

    // Added back, then removed again: told again.
    await addMember(t, project.id, bob.user.id, 'viewer')
    await t.ctx.writer.write((tx) =>
      tx.record({
        type: 'member.added',
        projectId: project.id,
        resourceType: 'member',
        resourceId: bob.user.id,
        version: null,
        actorId: alice.user.id,
        data: { userId: bob.user.id, projectId: project.id, role: 'viewer' },
      }),
    )
    await jsonRequest(t, 'DELETE', `/v1/projects/${project.id}/members/${bob.user.id}`, alice.authHeaders)
    await stream.waitFor((b) => b !== revoked && b.event?.event === 'access_revoked', 1_000)
  })
})

describe('streamEvents with a reader that stops reading', () => {
  // The grace period a full queue gets, shortened from production's 2 s so that the tests wait less for it
  // to pass; the sleep leaves the stream the same 0.5 s beyond it as before.
  const SHORT_GRACE = { EVENTS_SLOW_CONSUMER_GRACE_MS: '300' }
  const GRACE_PASSED_MS = 800

  it('is sent reconnect (slow_consumer) with its position once its queue stays full, then closed', async () => {
    const { t, alice, project } = await appWithProject({ EVENTS_BUFFER_BYTES: String(16 * 1024), ...SHORT_GRACE })
    const readRest = await stalledStream(t, alice.authHeaders)
    const big = 'x'.repeat(4 * 1024)
    for (let i = 0; i < 20; i++) await recordChange(t, project.id, big)
    // The queue holds ~16 KiB: full after a few changes; after the grace period the reader counts as slow.
    await sleep(GRACE_PASSED_MS)
    const { events, error } = await readRest()
    expect(error).toBeUndefined()
    const changes = events.filter((e) => e.id !== undefined)
    expect(changes.length).toBeGreaterThan(0)
    expect(changes.length).toBeLessThan(20)
    const lastChange = present(changes.at(-1), 'the last change sent')
    expect(events.at(-1)).toEqual({ event: 'reconnect', data: { reason: 'slow_consumer', since: lastChange.id } })

    // Resuming from there delivers the rest, without a gap.
    const resumed = await openStream(t.fetch, t.baseUrl, {
      headers: alice.authHeaders,
      lastEventId: present(lastChange.id),
    })
    const latest = String(await t.ctx.changeLog.latestSeq())
    await resumed.waitFor((b) => b.event?.id === latest)
    expect(changes.length + resumed.events().length).toBe(20)
  })
})
