import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ConnectionError, createTasklane, InternalServerError, RateLimitError, unwrap } from '@tasklane/sdk'
import { describe, expect, onTestFinished, test } from 'vitest'
import { createFakeServer } from './fake-server.js'
import { BASE_URL, type FixturePaths, rejection, sdkOn } from './helpers.js'

const auth = { apiKey: 'tl_test_key' }

describe('retries', () => {
  test('a GET that meets 503 is retried and succeeds, with the default of 2 retries', async () => {
    const s = createFakeServer()
    s.fault({ status: 503 }, { status: 502 })
    const tl = sdkOn(s, auth)
    const { data, error } = await tl.GET('/v1/me')
    expect(error).toBeUndefined()
    expect(data?.email).toBe('ada@example.com')
    expect(s.count('GET', '/v1/me')).toBe(3)
  })

  test('408 and 429 are retried; other 4xx are not', async () => {
    const s = createFakeServer()
    s.fault({ status: 408 }, { status: 429, headers: { 'Retry-After': '0' } })
    const tl = sdkOn(s, auth)
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
    s.fault({ status: 409 })
    expect((await tl.GET('/v1/me')).response.status).toBe(409)
    expect(s.count('GET', '/v1/me')).toBe(4)
  })

  test('after maxRetries the last error is returned (result style) or thrown (unwrap)', async () => {
    const s = createFakeServer()
    s.fault({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 })
    const tl = sdkOn(s, { ...auth, maxRetries: 1 })
    const first = await tl.GET('/v1/me')
    expect(first.error?.code).toBe('internal_error')
    expect(s.count('GET', '/v1/me')).toBe(2)
    const error = await rejection(unwrap(tl.GET('/v1/me')))
    expect(error).toBeInstanceOf(InternalServerError)
  })

  test('Retry-After in seconds is waited for', async () => {
    const s = createFakeServer()
    s.fault({ status: 429, headers: { 'Retry-After': '1' } })
    const tl = sdkOn(s, auth)
    const started = performance.now()
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(950)
  })

  test('Retry-After as an HTTP date is waited for', async () => {
    const s = createFakeServer()
    // HTTP dates have whole seconds: two seconds ahead waits between one and two seconds.
    s.fault({ status: 503, headers: { 'Retry-After': new Date(Date.now() + 2000).toUTCString() } })
    const tl = sdkOn(s, auth)
    const started = performance.now()
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(900)
  })

  test('a 429 without Retry-After waits for the RateLimit header reset when nothing remains', async () => {
    const s = createFakeServer()
    s.fault({ status: 429, headers: { RateLimit: '"default";r=0;t=1' } })
    const tl = sdkOn(s, auth)
    const started = performance.now()
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(950)
  })

  test('a Retry-After longer than maxRetryAfterMs is not waited for: RateLimitError carries it', async () => {
    const s = createFakeServer()
    s.fault({ status: 429, headers: { 'Retry-After': '3600' } })
    const tl = sdkOn(s, auth)
    const error = await rejection(unwrap(tl.GET('/v1/me')))
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as RateLimitError).retryAfter).toBe(3600)
    expect(s.count('GET', '/v1/me')).toBe(1)
  })

  test('a POST whose response was lost is retried with the same Idempotency-Key and creates one project', async () => {
    const s = createFakeServer()
    // The server acts, then the connection drops before the response reaches the client.
    s.fault({ drop: 'after' })
    const tl = sdkOn(s, auth)
    const { data, response } = await tl.POST('/v1/projects', { body: { name: 'Launch' } })
    expect(data?.name).toBe('Launch')
    expect(response.headers.get('Idempotent-Replayed')).toBe('true')
    const posts = s.requests.filter((r) => r.method === 'POST')
    expect(posts).toHaveLength(2)
    expect(posts[0]?.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/)
    expect(posts[1]?.headers.get('Idempotency-Key')).toBe(posts[0]?.headers.get('Idempotency-Key'))
    expect(posts[1]?.body).toBe('{"name":"Launch"}')
    expect(s.state.projects.size).toBe(1)
  })

  test('a keyed POST answered 409 idempotency_key_in_use is retried with the same key after Retry-After', async () => {
    const s = createFakeServer()
    const inUse = { code: 'idempotency_key_in_use', status: 409, title: 'Conflict', type: 'about:blank' }
    s.fault({ status: 409, headers: { 'Retry-After': '0' }, body: { ...inUse, requestId: 'req_1' } })
    const tl = sdkOn(s, auth)
    const { data } = await tl.POST('/v1/projects', { body: { name: 'Launch' } })
    expect(data?.name).toBe('Launch')
    const posts = s.requests.filter((r) => r.method === 'POST')
    expect(posts).toHaveLength(2)
    expect(posts[1]?.headers.get('Idempotency-Key')).toBe(posts[0]?.headers.get('Idempotency-Key'))
    // Any other 409 is the answer: the request conflicts with the data, and a repeat would too.
    s.fault({ status: 409 })
    expect((await tl.POST('/v1/projects', { body: { name: 'Again' } })).response.status).toBe(409)
    expect(s.requests.filter((r) => r.method === 'POST')).toHaveLength(3)
  })

  test('a POST to an operation without Idempotency-Key is sent once, without a key: a lost answer is a ConnectionError', async () => {
    const s = createFakeServer()
    s.seedProjects(1)
    const tl = sdkOn(s, auth)
    const path = { projectId: 'prj_1' }
    // The stand-in's createTask declares no Idempotency-Key, like the real signUp or createApiKey.
    s.fault({ drop: 'after' })
    const lost = await rejection(tl.POST('/v1/projects/{projectId}/tasks', { params: { path }, body: { title: 'A' } }))
    expect(lost).toBeInstanceOf(ConnectionError)
    expect(s.state.tasks).toHaveLength(1)
    s.fault({ drop: 'before' })
    expect(
      await rejection(tl.POST('/v1/projects/{projectId}/tasks', { params: { path }, body: { title: 'B' } })),
    ).toBeInstanceOf(ConnectionError)
    s.fault({ status: 503, headers: { 'Retry-After': '0' } })
    const failed = await tl.POST('/v1/projects/{projectId}/tasks', { params: { path }, body: { title: 'C' } })
    expect(failed.response.status).toBe(503)
    const posts = s.requests.filter((r) => r.method === 'POST')
    expect(posts).toHaveLength(3)
    expect(posts.map((r) => r.headers.get('Idempotency-Key'))).toEqual([null, null, null])
  })

  test('a 429 is retried even for a POST without Idempotency-Key: the server did not act on it', async () => {
    const s = createFakeServer()
    s.seedProjects(1)
    const tl = sdkOn(s, auth)
    s.fault({ status: 429, headers: { 'Retry-After': '0' } })
    const { data, response } = await tl.POST('/v1/projects/{projectId}/tasks', {
      params: { path: { projectId: 'prj_1' } },
      body: { title: 'A' },
    })
    expect(response.status).toBe(201)
    expect(data?.title).toBe('A')
    expect(s.state.tasks).toHaveLength(1)
    const posts = s.requests.filter((r) => r.method === 'POST')
    expect(posts).toHaveLength(2)
    expect(posts.map((r) => r.headers.get('Idempotency-Key'))).toEqual([null, null])
  })

  test('which operations declare Idempotency-Key comes from the spec: by default the Tasklane API', async () => {
    const s = createFakeServer()
    s.seedProjects(1)
    // Without the stand-in's list, the client follows openapi.yaml, where createTask declares the header.
    const tl = sdkOn(s, { ...auth, idempotentOperations: undefined })
    s.fault({ status: 503 })
    const { data } = await tl.POST('/v1/projects/{projectId}/tasks', {
      params: { path: { projectId: 'prj_1' } },
      body: { title: 'A' },
    })
    expect(data?.title).toBe('A')
    const posts = s.requests.filter((r) => r.method === 'POST')
    expect(posts).toHaveLength(2)
    expect(posts[1]?.headers.get('Idempotency-Key')).toBe(posts[0]?.headers.get('Idempotency-Key'))
    expect(posts[0]?.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/)
  })

  test('a failed connection is retried for a GET and for a POST whose operation declares Idempotency-Key', async () => {
    const s = createFakeServer()
    const tl = sdkOn(s, auth)
    s.fault({ drop: 'before' })
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
    s.fault({ drop: 'before' })
    expect((await tl.POST('/v1/projects', { body: { name: 'A' } })).response.status).toBe(201)
    expect(s.count('GET', '/v1/me')).toBe(2)
    expect(s.count('POST', '/v1/projects')).toBe(2)
  })

  test('each call gets its own Idempotency-Key; one the caller sets is kept', async () => {
    const s = createFakeServer()
    const tl = sdkOn(s, auth)
    await tl.POST('/v1/projects', { body: { name: 'A' } })
    await tl.POST('/v1/projects', { body: { name: 'B' } })
    await tl.POST('/v1/projects', { body: { name: 'C' }, params: { header: { 'Idempotency-Key': 'mine-1' } } })
    const keys = s.requests.map((r) => r.headers.get('Idempotency-Key'))
    expect(new Set(keys).size).toBe(3)
    expect(keys[2]).toBe('mine-1')
  })

  test('a PATCH without Idempotency-Key is not retried; a body that is a stream is not retried', async () => {
    const s = createFakeServer()
    s.seedProjects(1)
    const tl = sdkOn(s, auth)
    s.fault({ status: 503 })
    const patch = await tl.PATCH('/v1/projects/{projectId}', {
      params: { path: { projectId: 'prj_1' } },
      body: { name: 'x' },
    })
    expect(patch.response.status).toBe(503)

    s.fault({ status: 503 })
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"name":"streamed"}'))
        controller.close()
      },
    })
    const post = await tl.POST('/v1/projects', { body: stream as never, bodySerializer: (b: unknown) => b })
    expect(post.response.status).toBe(503)
    expect(s.count('POST', '/v1/projects')).toBe(1)
    expect(s.count('PATCH', '/v1/projects/prj_1')).toBe(1)
  })

  test('a connection dropped by a real TCP server is retried', async () => {
    let calls = 0
    const server = createServer((req, res) => {
      calls++
      if (calls === 1) return req.socket.destroy()
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Request-Id': 'req_tcp' })
      res.end(JSON.stringify({ id: 'usr_1', email: 'ada@example.com', createdAt: '2026-01-01T00:00:00Z' }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise((resolve) => server.close(() => resolve(undefined))))
    const tl = createTasklane<FixturePaths>({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      backoff: { initialMs: 1 },
      ...auth,
    })
    const { data, requestId } = await tl.GET('/v1/me')
    expect(data?.id).toBe('usr_1')
    expect(requestId).toBe('req_tcp')
    expect(calls).toBe(2)
  })

  test('a server that does not answer at all ends in ConnectionError after the retries', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    await new Promise((resolve) => server.close(resolve))
    const tl = createTasklane<FixturePaths>({ baseUrl: `http://127.0.0.1:${port}`, backoff: { initialMs: 1 }, ...auth })
    const error = await rejection(tl.GET('/v1/me'))
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as ConnectionError).code).toBe('connection_error')
    expect((error as ConnectionError).status).toBeUndefined()
  })

  test('default backoff waits about 0.5 s then 1 s, with jitter', async () => {
    const s = createFakeServer()
    s.fault({ status: 503 }, { status: 503 })
    const tl = createTasklane<FixturePaths>({ baseUrl: BASE_URL, fetch: async (r) => s.fetch(r), ...auth })
    const started = performance.now()
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(0.75 * 1500 - 20)
    expect(elapsed).toBeLessThan(1500 + 1000)
  })
})
