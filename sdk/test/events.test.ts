// events(tl) over real sockets (the platform's fetch) against the fake's GET /v1/events, which speaks the
// wire format of the API: `retry:`, `id:` per change, auth_expired, reconnect, heartbeats. The server side of
// each connection is at hand (`s.streams`) to close, reset or write raw bytes to.
import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import {
  AuthenticationError,
  CursorExpiredError,
  createTasklane,
  SessionExpiredError,
  type TasklaneClient,
  type TasklaneEvent,
  type TasklaneOptions,
  unwrap,
} from '@tasklane/sdk'
import { events } from '@tasklane/sdk/events'
import { describe, expect, onTestFinished, test } from 'vitest'
import { createFakeServer } from './fake-server.js'
import { idempotentOperations } from './fixtures/generated/idempotent.js'
import { type FixturePaths, rejection } from './helpers.js'

type Fake = ReturnType<typeof createFakeServer>
type Event = TasklaneEvent<FixturePaths>

const apiKey = 'tl_test_key'
const credentials = { email: 'ada@example.com', password: 'correct horse' }

interface Served {
  url: string
  /** Answers a GET /v1/events before the fake does (undefined: pass it on). */
  intercept?: (env: { incoming: { socket: { destroy(): void } } }) => Response | undefined
  /** When each GET /v1/events arrived (performance.now()), with its headers, and whether its socket closed. */
  connects: { at: number; headers: Headers; url: string; closed: boolean }[]
  sdk(options?: Partial<TasklaneOptions>): TasklaneClient<FixturePaths>
}

/** Serves the fake over a real socket, torn down when the test ends. */
async function served(s: Fake, setup: (s: Fake) => void = () => {}): Promise<Served> {
  s.state.retryMs = 50
  setup(s)
  const connects: Served['connects'] = []
  const net: Served = {
    url: '',
    connects,
    sdk: (options = {}) =>
      createTasklane<FixturePaths>({
        baseUrl: net.url,
        backoff: { initialMs: 1, maxMs: 5 },
        idempotentOperations,
        ...options,
      } as TasklaneOptions),
  }
  const server = serve({
    fetch: (request, env) => {
      if (new URL(request.url).pathname === '/v1/events') {
        const connect = { at: performance.now(), headers: request.headers, url: request.url, closed: false }
        connects.push(connect)
        ;(env as { incoming: IncomingMessage }).incoming.socket.once('close', () => {
          connect.closed = true
        })
        const answer = net.intercept?.(env as never)
        if (answer) return answer
      }
      return s.fetch(request, env)
    },
    port: 0,
    hostname: '127.0.0.1',
  })
  await new Promise((resolve) => server.once('listening', resolve))
  onTestFinished(() => {
    for (const stream of s.streams) stream.close()
    ;(server as unknown as { closeAllConnections(): void }).closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  net.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return net
}

/** Resolves once `check` holds, polling every 5 ms (fails after 3 s). */
async function until(check: () => boolean, what = 'the condition'): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > 3000) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Iterates `stream` in the background, collecting what it yields, until `stop` or the stream ends. */
function consume(stream: AsyncIterable<Event>) {
  const events: Event[] = []
  let error: unknown
  const done = (async () => {
    try {
      for await (const event of stream) events.push(event)
    } catch (err) {
      error = err
    }
  })()
  return {
    events,
    seqs: () => events.flatMap((e) => (e.type === 'access_revoked' ? [] : [e.seq])),
    done: done.then(() => error),
    get error() {
      return error
    },
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i))
const project = (s: Fake, n: number) => s.record('project.created', { id: `prj_${n}` }, `prj_${n}`)

describe('events(tl)', () => {
  test('yields each change as it happens, typed, authenticated by header, never by URL', async () => {
    const s = createFakeServer()
    const net = await served(s)
    const tl = net.sdk({ apiKey })
    const controller = new AbortController()
    const stream = events(tl, { signal: controller.signal })
    const seen = consume(stream)
    await until(() => s.streams.size === 1, 'the stream to open')

    const created = await unwrap(tl.POST('/v1/projects', { body: { name: 'Launch' } }))
    await unwrap(
      tl.PATCH('/v1/projects/{projectId}', { params: { path: { projectId: created.id } }, body: { name: 'Go' } }),
    )
    await until(() => seen.events.length === 2, 'two events')

    const [first, second] = seen.events
    expect(first).toMatchObject({ seq: '1', type: 'project.created', resourceId: created.id, data: { name: 'Launch' } })
    expect(second).toMatchObject({ seq: '2', type: 'project.updated', data: { name: 'Go' } })
    controller.abort()
    expect(await seen.done).toBeUndefined()
    expect(stream.lastEventId).toBe('2')

    const connect = net.connects[0]
    expect(connect?.headers.get('authorization')).toBe(`Bearer ${apiKey}`)
    expect(connect?.url).not.toContain(apiKey)
    expect(connect?.headers.has('last-event-id')).toBe(false)
  })

  test('since: starts after the given change; projectId: only that project', async () => {
    const s = createFakeServer()
    const net = await served(s)
    for (let i = 1; i <= 5; i++) project(s, i % 2)
    const controller = new AbortController()
    const seen = consume(events(net.sdk({ apiKey }), { since: '1', projectId: 'prj_1', signal: controller.signal }))
    await until(() => seen.events.length === 2, 'the two older changes of prj_1')
    project(s, 1)
    await until(() => seen.events.length === 3, 'the new change')
    controller.abort()
    expect(seen.seqs()).toEqual(['3', '5', '6'])
    expect(new URL(net.connects[0]?.url ?? '').searchParams.get('projectId')).toBe('prj_1')
  })

  test('when the server closes, it reconnects after the retry: interval with Last-Event-ID, losing nothing', async () => {
    const s = createFakeServer()
    const net = await served(s, (fake) => {
      fake.state.retryMs = 300
    })
    const controller = new AbortController()
    const stream = events(net.sdk({ apiKey }), { since: '0', retryMs: 10_000, signal: controller.signal })
    const seen = consume(stream)
    await until(() => s.streams.size === 1, 'the stream to open')
    project(s, 1)
    project(s, 2)
    await until(() => seen.events.length === 2, 'two events')

    const closedAt = performance.now()
    for (const open of s.streams) open.close()
    project(s, 3) // while no stream is open
    await until(() => net.connects.length === 2, 'the reconnection')
    project(s, 4)
    await until(() => seen.events.length === 4, 'four events')
    controller.abort()
    await seen.done

    expect(seen.seqs()).toEqual(range(1, 4))
    expect(net.connects[1]?.headers.get('last-event-id')).toBe('2')
    // The server's retry: 300 (less up to a quarter of jitter), not the 10 s the client started with.
    const waited = (net.connects[1]?.at ?? 0) - closedAt
    expect(waited).toBeGreaterThanOrEqual(220)
    expect(waited).toBeLessThan(2000)
  })

  test('a connection reset mid-stream, and refused reconnections, back off and then resume', async () => {
    const s = createFakeServer()
    const net = await served(s)
    const controller = new AbortController()
    const seen = consume(events(net.sdk({ apiKey }), { since: '0', signal: controller.signal }))
    await until(() => s.streams.size === 1, 'the stream to open')
    project(s, 1)
    await until(() => seen.events.length === 1, 'the first event')

    // The next two connection attempts fail (the network drops them before the server answers).
    net.intercept = (env) => {
      if (net.connects.length > 3) return undefined
      env.incoming.socket.destroy()
      return new Response(null)
    }
    for (const open of s.streams) open.reset()
    project(s, 2)
    await until(() => seen.events.length === 2, 'the event made while disconnected')
    controller.abort()
    await seen.done

    expect(seen.seqs()).toEqual(['1', '2'])
    expect(net.connects.map((c) => c.headers.get('last-event-id'))).toEqual(['0', '1', '1', '1'])
    // retry: 50 after the reset, then twice as long after each failed attempt (less up to a quarter).
    const gaps = net.connects.slice(2).map((c, i) => c.at - (net.connects[i + 1]?.at ?? 0))
    expect(gaps[0]).toBeGreaterThanOrEqual(75)
    expect(gaps[1]).toBeGreaterThanOrEqual(150)
  })

  test('onConnectionChange: told once when connected, once when the connection is lost, once when back', async () => {
    const s = createFakeServer()
    const net = await served(s)
    const controller = new AbortController()
    const changes: boolean[] = []
    const seen = consume(
      events(net.sdk({ apiKey }), {
        since: '0',
        signal: controller.signal,
        onConnectionChange: (c) => changes.push(c),
      }),
    )
    await until(() => s.streams.size === 1, 'the stream to open')
    project(s, 1)
    await until(() => seen.events.length === 1, 'the first event')
    expect(changes).toEqual([true])

    // The connection drops, and the next two attempts fail before the server answers.
    net.intercept = (env) => {
      if (net.connects.length > 3) return undefined
      env.incoming.socket.destroy()
      return new Response(null)
    }
    for (const open of s.streams) open.reset()
    project(s, 2)
    await until(() => seen.events.length === 2, 'the event made while disconnected')
    controller.abort()
    await seen.done
    expect(changes).toEqual([true, false, true])
  })

  test('a 503 on connecting is waited out (Retry-After) and the stream then starts', async () => {
    const s = createFakeServer()
    const net = await served(s)
    net.intercept = () =>
      net.connects.length <= 2 ? new Response('{}', { status: 503, headers: { 'Retry-After': '0' } }) : undefined
    const controller = new AbortController()
    const seen = consume(events(net.sdk({ apiKey }), { since: '0', signal: controller.signal }))
    project(s, 1)
    await until(() => seen.events.length === 1, 'the event')
    controller.abort()
    expect(await seen.done).toBeUndefined()
    expect(net.connects).toHaveLength(3)
  })

  test('a reconnect event (server shutdown) resumes where the server said, even without a change yet', async () => {
    const s = createFakeServer()
    project(s, 1)
    project(s, 2)
    const net = await served(s)
    const controller = new AbortController()
    const stream = events(net.sdk({ apiKey }), { signal: controller.signal }) // from now: after seq 2
    const seen = consume(stream)
    await until(() => s.streams.size === 1, 'the stream to open')
    for (const open of s.streams) {
      await open.write('event: reconnect\ndata: {"reason":"shutdown","since":"2"}\n\n')
      open.close()
    }
    project(s, 3) // while no stream is open
    await until(() => seen.events.length === 1, 'the change made meanwhile')
    controller.abort()
    await seen.done
    expect(seen.seqs()).toEqual(['3'])
    expect(net.connects[1]?.headers.get('last-event-id')).toBe('2')
  })

  test('started without since and cut before any change, it resumes from where it started, losing nothing', async () => {
    const s = createFakeServer()
    project(s, 1)
    project(s, 2)
    const net = await served(s, (fake) => {
      fake.state.retryMs = 200
    })
    const controller = new AbortController()
    const stream = events(net.sdk({ apiKey }), { signal: controller.signal }) // from now: after seq 2
    const seen = consume(stream)
    await until(() => stream.lastEventId === '2', 'the position the server started at')
    for (const open of s.streams) open.reset()
    project(s, 3) // while no stream is open
    project(s, 4)
    await until(() => net.connects.length === 2, 'the reconnection')
    project(s, 5)
    await until(() => seen.events.length === 3, 'the changes made meanwhile and after')
    controller.abort()
    await seen.done
    expect(seen.seqs()).toEqual(['3', '4', '5'])
    expect(seen.events.every((e) => e.type === 'project.created')).toBe(true)
    expect(net.connects[1]?.headers.get('last-event-id')).toBe('2')
  })

  test('auth_expired: the session refreshes once and the stream resumes, nothing lost or repeated', async () => {
    const s = createFakeServer()
    const net = await served(s)
    const tl = net.sdk()
    await tl.session.set(await unwrap(tl.POST('/v1/auth/login', { body: credentials })))
    const before = (await tl.session.get())?.accessToken
    const controller = new AbortController()
    const seen = consume(events(tl, { since: '0', signal: controller.signal }))
    await until(() => s.streams.size === 1, 'the stream to open')
    project(s, 1)
    project(s, 2)
    await until(() => seen.events.length === 2, 'two events')

    // The server finds the token expired: it says auth_expired and closes. Changes go on meanwhile, and
    // other calls of the same client need the refresh at the same time.
    // The first stream's end is watched, not an empty set: the SDK may refresh and reconnect within one poll.
    const [first] = s.streams
    s.expireAccessTokens()
    await until(() => first !== undefined && !s.streams.has(first), 'the server to close the stream')
    project(s, 3)
    const [me] = await Promise.all([unwrap(tl.GET('/v1/me')), until(() => net.connects.length === 2, 'reconnection')])
    expect(me.email).toBe(credentials.email)
    project(s, 4)
    await until(() => seen.events.length === 4, 'four events')
    controller.abort()
    expect(await seen.done).toBeUndefined()

    expect(seen.seqs()).toEqual(range(1, 4))
    expect(s.count('POST', '/v1/auth/refresh')).toBe(1)
    const after = (await tl.session.get())?.accessToken
    expect(after).not.toBe(before)
    // One reconnection, already with the renewed token: the spent one is never tried again.
    expect(net.connects).toHaveLength(2)
    const reconnects = net.connects.slice(1)
    expect(reconnects.at(-1)?.headers.get('authorization')).toBe(`Bearer ${after}`)
    expect(reconnects.at(-1)?.headers.get('last-event-id')).toBe('2')
  })

  test('a 401 token_expired on reconnecting refreshes the session and resumes', async () => {
    const s = createFakeServer()
    const net = await served(s)
    const tl = net.sdk()
    await tl.session.set(await unwrap(tl.POST('/v1/auth/login', { body: credentials })))
    const controller = new AbortController()
    const seen = consume(events(tl, { since: '0', signal: controller.signal }))
    await until(() => s.streams.size === 1, 'the stream to open')
    project(s, 1)
    await until(() => seen.events.length === 1, 'the first event')

    // The token expires unnoticed by the open stream, which then closes for another reason.
    s.expireAccessTokens({ tellStreams: false })
    for (const open of s.streams) open.close()
    project(s, 2)
    await until(() => seen.events.length === 2, 'the event after the refresh')
    controller.abort()
    await seen.done

    expect(seen.seqs()).toEqual(['1', '2'])
    expect(s.count('POST', '/v1/auth/refresh')).toBe(1)
    expect(net.connects).toHaveLength(3) // the refused one, and its replay with the new token
    expect(net.connects.slice(1).map((c) => c.headers.get('last-event-id'))).toEqual(['1', '1'])
  })

  test('a fixed access token that expired ends the stream with AuthenticationError', async () => {
    const s = createFakeServer()
    const net = await served(s)
    const { accessToken } = await unwrap(net.sdk().POST('/v1/auth/login', { body: credentials }))
    const seen = consume(events(net.sdk({ accessToken }), { since: '0' }))
    await until(() => s.streams.size === 1, 'the stream to open')
    project(s, 1)
    await until(() => seen.events.length === 1, 'the first event')
    s.expireAccessTokens()
    const error = await seen.done
    expect(error).toBeInstanceOf(AuthenticationError)
    expect((error as AuthenticationError).code).toBe('token_expired')
    expect(s.count('POST', '/v1/auth/refresh')).toBe(0)
  })

  test('a session whose refresh is refused ends the stream with SessionExpiredError', async () => {
    const s = createFakeServer()
    const net = await served(s)
    const tl = net.sdk()
    await tl.session.set(await unwrap(tl.POST('/v1/auth/login', { body: credentials })))
    const seen = consume(events(tl, { since: '0' }))
    await until(() => s.streams.size === 1, 'the stream to open')
    s.state.refreshTokens.clear() // revoked
    s.expireAccessTokens()
    expect(await seen.done).toBeInstanceOf(SessionExpiredError)
  })

  test('a since older than the server keeps throws CursorExpiredError', async () => {
    const s = createFakeServer()
    const net = await served(s, (fake) => {
      fake.state.prunedThrough = 10
    })
    const error = await consume(events(net.sdk({ apiKey }), { since: '3' })).done
    expect(error).toBeInstanceOf(CursorExpiredError)
    expect((error as CursorExpiredError).status).toBe(410)
    expect((error as CursorExpiredError).code).toBe('cursor_expired')
  })

  test("the caller's signal ends the loop without an error and closes the connection", async () => {
    const s = createFakeServer()
    const net = await served(s)
    const controller = new AbortController()
    const seen = consume(events(net.sdk({ apiKey }), { signal: controller.signal }))
    await until(() => s.streams.size === 1, 'the stream to open')
    controller.abort()
    expect(await seen.done).toBeUndefined()
    await until(() => s.streams.size === 0, 'the stream to end on the server')
    await until(() => net.connects.every((c) => c.closed), 'its socket to close')
  })

  test('an abort during the wait before reconnecting ends the loop at once', async () => {
    const s = createFakeServer()
    const net = await served(s, (fake) => {
      fake.state.retryMs = 60_000
    })
    const controller = new AbortController()
    const seen = consume(events(net.sdk({ apiKey }), { signal: controller.signal }))
    await until(() => s.streams.size === 1, 'the stream to open')
    for (const open of s.streams) open.close()
    await until(() => s.streams.size === 0, 'the close')
    const started = performance.now()
    controller.abort()
    expect(await seen.done).toBeUndefined()
    expect(performance.now() - started).toBeLessThan(500)
    expect(net.connects).toHaveLength(1)
  })

  test('breaking out of for await closes the connection', async () => {
    const s = createFakeServer()
    const net = await served(s)
    const stream = events(net.sdk({ apiKey }), { since: '0' })
    project(s, 1)
    project(s, 2)
    for await (const event of stream) {
      expect(event.type).toBe('project.created')
      break
    }
    await until(() => s.streams.size === 0, 'the stream to end on the server')
    await until(() => net.connects.every((c) => c.closed), 'its socket to close')
    // The change it broke out of is not counted as done: resuming from lastEventId delivers it again.
    expect(stream.lastEventId).toBe('0')
  })

  test('a connection silent for longer than idleTimeout (no heartbeat) is replaced', async () => {
    const s = createFakeServer()
    const net = await served(s, (fake) => {
      fake.state.heartbeatMs = 60_000
    })
    const controller = new AbortController()
    const seen = consume(events(net.sdk({ apiKey }), { since: '0', idleTimeout: 200, signal: controller.signal }))
    await until(() => net.connects.length === 2, 'the second connection')
    project(s, 1)
    await until(() => seen.events.length === 1, 'the event')
    controller.abort()
    await seen.done
    expect(net.connects[1]?.at ?? 0).toBeGreaterThan((net.connects[0]?.at ?? 0) + 200)
    expect(seen.seqs()).toEqual(['1'])
  })

  test('access_revoked is yielded; heartbeats and unknown events without an id are not', async () => {
    const s = createFakeServer()
    const net = await served(s)
    const controller = new AbortController()
    const seen = consume(events(net.sdk({ apiKey }), { since: '0', signal: controller.signal }))
    await until(() => s.streams.size === 1, 'the stream to open')
    for (const open of s.streams) {
      await open.write(': heartbeat\n\nevent: something_new\ndata: {}\n\n')
      await open.write('event: access_revoked\ndata: {"projectId":"prj_9"}\n\n')
    }
    project(s, 1)
    await until(() => seen.events.length === 2, 'two events')
    controller.abort()
    await seen.done
    expect(seen.events[0]).toEqual({ type: 'access_revoked', projectId: 'prj_9' })
    expect(seen.events[1]).toMatchObject({ type: 'project.created', seq: '1' })
  })
})

describe('the wire format, however it is split', () => {
  const wire =
    'retry: 1000\r\n\r\n' +
    ': heartbeat\n\n' +
    'id: 7\nevent: task.updated\ndata: {"seq":"7","type":"task.updated","data":{"title":"Café ☕ 🚀"}}\n\n' +
    'event: access_revoked\r\ndata: {"projectId":"prj_é"}\r\n\r\n' +
    'id: 8\nevent: task.deleted\ndata: {"seq":"8","type":"task.deleted",\ndata: "data":{"id":"tsk_1","deleted":true}}\n\n'
  const bytes = new TextEncoder().encode(wire)

  /** A client whose one connection answers `bytes` in the given pieces, then holds the stream open. */
  function clientReading(pieces: Uint8Array[]) {
    let connections = 0
    const tl = createTasklane<FixturePaths>({
      baseUrl: 'http://tasklane.test',
      apiKey,
      fetch: async () => {
        connections++
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            for (const piece of pieces) controller.enqueue(piece)
          },
        })
        return new Response(body, { headers: { 'Content-Type': 'text/event-stream; charset=utf-8' } })
      },
    })
    return { tl, connections: () => connections }
  }

  async function read(pieces: Uint8Array[]) {
    const { tl, connections } = clientReading(pieces)
    const seen: unknown[] = []
    for await (const event of events(tl, { since: '6' })) {
      seen.push(event)
      if (seen.length === 3) break
    }
    expect(connections()).toBe(1)
    return seen
  }

  const expected = [
    { seq: '7', type: 'task.updated', data: { title: 'Café ☕ 🚀' } },
    { type: 'access_revoked', projectId: 'prj_é' },
    { seq: '8', type: 'task.deleted', data: { id: 'tsk_1', deleted: true } },
  ]

  test('in one piece', async () => {
    expect(await read([bytes])).toEqual(expected)
  })

  test('one byte at a time (inside multi-byte characters, between CR and LF)', async () => {
    expect(await read(Array.from(bytes, (b) => Uint8Array.of(b)))).toEqual(expected)
  })

  test('at every point in two pieces', async () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await read([bytes.slice(0, cut), bytes.slice(cut)])).toEqual(expected)
    }
  })

  test('an answer that is not an event stream is an error, not an endless reconnection', async () => {
    const tl = createTasklane<FixturePaths>({
      baseUrl: 'http://tasklane.test',
      apiKey,
      fetch: async () => new Response('<html>', { headers: { 'Content-Type': 'text/html' } }),
    })
    const error = await consume(events(tl)).done
    expect(error).toMatchObject({ code: 'not_an_event_stream' })
  })
})

describe('paginate over listChanges', () => {
  test('walks the changes after since, and the last page carries the syncToken of the next poll', async () => {
    const s = createFakeServer()
    for (let i = 1; i <= 5; i++) project(s, i)
    const net = await served(s)
    const tl = net.sdk({ apiKey })

    const changes = tl.paginate('/v1/changes', { params: { query: { since: '1', limit: 2 } } })
    const seqs: string[] = []
    for await (const change of changes) seqs.push(change.seq)
    expect(seqs).toEqual(['2', '3', '4', '5'])
    const syncToken = changes.lastPage?.body.syncToken
    expect(syncToken).toBe('5')

    // Nothing new: the same token again. Something new: only that.
    const idle = await tl.paginate('/v1/changes', { params: { query: { since: syncToken } } }).toArray({ maxItems: 10 })
    expect(idle).toEqual([])
    project(s, 6)
    const polled = tl.paginate('/v1/changes', { params: { query: { since: syncToken } } })
    const pages = []
    for await (const page of polled.pages()) pages.push(page)
    expect(pages.flatMap((p) => p.data.map((c) => c.seq))).toEqual(['6'])
    expect(pages.at(-1)?.body.syncToken).toBe('6')
  })

  test('a since older than the server keeps throws CursorExpiredError', async () => {
    const s = createFakeServer()
    s.state.prunedThrough = 3
    const net = await served(s)
    const error = await rejection(
      net
        .sdk({ apiKey })
        .paginate('/v1/changes', { params: { query: { since: '1' } } })
        .toArray({ maxItems: 1 }),
    )
    expect(error).toBeInstanceOf(CursorExpiredError)
  })
})
