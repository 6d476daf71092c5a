// events(tl) against the live server's GET /v1/events, over real sockets through the network hop (which passes
// event streams on as they come and can cut them). Tasks are created through the API the whole time; the
// stream must deliver the same changes as listChanges pages afterwards: each of them, once, in order.
// Access tokens expire for real: 60 s lifetimes (ACCESS_TOKEN_TTL_S, its minimum) with only the clock (Date)
// moved forward, which the server's once-a-second check of a session's stream and the SDK's session both see.
import { CursorExpiredError, unwrap } from '@tasklane/sdk'
import { events, type TasklaneEvent } from '@tasklane/sdk/events'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { type LiveServer, startLiveServer } from './support/live.js'

afterEach(() => {
  vi.useRealTimers()
})

const bearerOf = (headers: Headers) => headers.get('authorization')?.replace(/^Bearer /, '')

/** Polls `check` every 10 ms on the monotonic clock (Date may be frozen by the test). */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const started = performance.now()
  while (!check()) {
    if (performance.now() - started > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/**
 * A project of a new user; a client on it with an API key (which does not expire) that `write()`s tasks
 * through the API; and `since`, the syncToken where following the project starts (as an app does after
 * its first full load).
 */
async function setUp(live: LiveServer) {
  const user = await live.signUp()
  const owner = live.sdk({ accessToken: user.accessToken })
  const project = await unwrap(owner.POST('/v1/projects', { body: { name: 'Live events' } }))
  const key = await unwrap(owner.POST('/v1/me/api-keys', { body: { name: 'writer', scopes: ['read', 'write'] } }))
  const writer = live.sdk({ apiKey: key.key })
  const path = { projectId: project.id }
  const loaded = writer.paginate('/v1/changes', { params: { query: { projectId: project.id } } })
  await loaded.toArray({ maxItems: 1000 })
  const since = loaded.lastPage?.body.syncToken ?? '0'
  let n = 0
  const write = () =>
    unwrap(writer.POST('/v1/projects/{projectId}/tasks', { params: { path }, body: { title: `Task ${++n}` } }))
  /** The changes of the project after `since`, as listChanges pages them. */
  const log = () =>
    writer.paginate('/v1/changes', { params: { query: { since, projectId: project.id, limit: 100 } } }).toArray({
      maxItems: 1000,
    })
  return { user, project, writer, write, written: () => n, since, log }
}

/** Iterates `stream` in the background, collecting its changes. */
function consume(stream: AsyncIterable<TasklaneEvent>) {
  const events: TasklaneEvent[] = []
  let error: unknown
  const done = (async () => {
    try {
      for await (const event of stream) events.push(event)
    } catch (err) {
      error = err
    }
    return error
  })()
  const changes = () => events.flatMap((e) => (e.type === 'access_revoked' ? [] : [e]))
  return { events, changes, done }
}

describe('events(tl) against the live server', () => {
  test('the SDK stream survives a token expiry: one refresh, the stream resumes, no change lost or repeated', async () => {
    const start = (Math.floor(Date.now() / 1000) + 1) * 1000 + 500
    vi.useFakeTimers({ toFake: ['Date'], now: start })
    const live = await startLiveServer({ ACCESS_TOKEN_TTL_S: '60', EVENTS_RETRY_MS: '100' })
    const { user, project, write, written, since, log } = await setUp(live)
    const tl = live.sdk()
    await tl.session.set(user)

    const controller = new AbortController()
    const seen = consume(events(tl, { since, projectId: project.id, signal: controller.signal }))
    await write()
    await write()
    await until(() => seen.changes().length === 2, 'the first two changes')

    // The access token the stream was opened with expires; tasks go on being created meanwhile.
    vi.setSystemTime(start + 61_000)
    const connects = () => live.requests.filter((r) => r.path === '/v1/events')
    while (connects().length < 2 || written() < 6) {
      await write()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await write()
    await until(() => seen.changes().length === written(), 'every change')
    controller.abort()
    expect(await seen.done).toBeUndefined()

    const changes = await log()
    expect(changes).toHaveLength(written())
    expect(seen.changes()).toEqual(changes)
    expect(seen.changes().every((c) => c.type === 'task.created')).toBe(true)
    expect(live.count('POST', '/v1/auth/refresh')).toBe(1)
    const last = connects().at(-1)
    expect(bearerOf(last?.headers ?? new Headers())).not.toBe(user.accessToken)
    // Each reconnection resumed after a change the stream had delivered.
    const delivered = changes.map((c) => c.seq)
    for (const connect of connects().slice(1)) expect(delivered).toContain(connect.headers.get('last-event-id'))
  })

  test('a connection cut mid-stream is resumed from Last-Event-ID, nothing lost or repeated', async () => {
    const live = await startLiveServer({ EVENTS_RETRY_MS: '50' })
    const { project, writer, write, written, since, log } = await setUp(live)
    const controller = new AbortController()
    const seen = consume(events(writer, { since, projectId: project.id, signal: controller.signal }))
    for (let round = 0; round < 3; round++) {
      await until(() => live.openStreams() === 1, 'the stream')
      await write()
      await write()
      await until(() => seen.changes().length === written(), 'the changes so far')
      live.cutStreams()
      await write() // while cut
    }
    await until(() => seen.changes().length === written(), 'every change')
    controller.abort()
    await seen.done
    expect(seen.changes()).toEqual(await log())
    expect(live.count('GET', '/v1/events')).toBeGreaterThanOrEqual(4)
  })

  test('breaking out of the loop closes the connection on the server too', async () => {
    const live = await startLiveServer()
    const { project, writer, write, since } = await setUp(live)
    await write()
    for await (const event of events(writer, { since, projectId: project.id })) {
      expect(event.type).toBe('task.created')
      break
    }
    await live.settled()
    expect(live.openStreams()).toBe(0)
    const stream = live.requests.find((r) => r.path === '/v1/events')
    expect(stream?.abandonedAfterMs).toBeGreaterThan(0)
  })

  test('a since older than the server keeps is a CursorExpiredError, for the stream and for listChanges', async () => {
    const start = Date.now()
    vi.useFakeTimers({ toFake: ['Date'], now: start })
    const live = await startLiveServer({ CHANGES_RETENTION_S: '60' })
    const { writer, write, since } = await setUp(live)
    await write()
    await write()
    vi.setSystemTime(start + 120_000)
    await live.ctx.changeLog.prune()
    const error = await consume(events(writer, { since })).done
    expect(error).toBeInstanceOf(CursorExpiredError)
    expect((error as CursorExpiredError).status).toBe(410)
    const listed = await writer
      .paginate('/v1/changes', { params: { query: { since } } })
      .toArray({ maxItems: 1 })
      .catch((e: unknown) => e)
    expect(listed).toBeInstanceOf(CursorExpiredError)
  })
})
