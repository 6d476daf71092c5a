// The SDK's retries against the real server: its real rate limiter's 429 and Retry-After, and connections
// that the network drops on the way to the server or back, retried only where a repeat cannot act twice.
import { ConnectionError, RateLimitError, unwrap } from '@tasklane/sdk'
import { describe, expect, test } from 'vitest'
import { present } from '../../src/test/present.js'
import { startLiveServer } from './support/live.js'

describe('retries against the live server', () => {
  test("a real 429 is retried after the server's Retry-After, not the SDK's own backoff", async () => {
    const live = await startLiveServer({ RATE_LIMIT_DEFAULT: '3/1' })
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken }) // its own backoff would wait 1–5 ms
    for (let i = 0; i < 3; i++) expect((await tl.GET('/v1/me')).response.status).toBe(200)

    const { data, response } = await tl.GET('/v1/me')
    expect(response.status).toBe(200)
    expect(data?.id).toBe(user.user.id)
    const [limited, retried] = live.requests.slice(-2)
    expect(live.count('GET', '/v1/me')).toBe(5)
    // The 429 said `Retry-After: 1` (the window's rest, rounded up); the retry came after it, into a new window.
    const waited = present(retried, 'the retry').at - present(limited, 'the 429').at
    expect(waited).toBeGreaterThanOrEqual(950)
    expect(waited).toBeLessThan(3000)
    expect(response.headers.get('ratelimit')).toMatch(/^"default";r=2;t=\d+$/)
  })

  test('a Retry-After longer than maxRetryAfterMs is not waited for: the 429 comes back at once', async () => {
    const live = await startLiveServer({ RATE_LIMIT_DEFAULT: '1/60' })
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken, backoff: { maxRetryAfterMs: 5000 } })
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
    const started = performance.now()
    const error = await unwrap(tl.GET('/v1/me')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as RateLimitError).retryAfter).toBeGreaterThan(5)
    expect(performance.now() - started).toBeLessThan(1000)
    expect(live.count('GET', '/v1/me')).toBe(2)
  })

  test('a GET whose connection drops, before or after the server answered, is retried and succeeds', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken })
    live.fault({ drop: 'before' }, { drop: 'after' })
    expect((await unwrap(tl.GET('/v1/me'))).id).toBe(user.user.id)
    expect(live.count('GET', '/v1/me')).toBe(3)
    expect(live.requests.slice(-3).map((r) => r.reachedServer)).toEqual([false, true, true])
  })

  test('a POST whose operation declares Idempotency-Key is retried after a drop with the same key and acts once', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken })
    const path = { projectId: (await unwrap(tl.POST('/v1/projects', { body: { name: 'Live' } }))).id }
    live.fault({ drop: 'before' })
    const created = await unwrap(tl.POST('/v1/projects/{projectId}/tasks', { params: { path }, body: { title: 'A' } }))
    const attempts = live.requests.filter((r) => r.path.endsWith('/tasks'))
    expect(attempts).toHaveLength(2)
    expect(attempts[0]?.headers.get('idempotency-key')).toMatch(/\S{16,}/)
    expect(attempts[1]?.headers.get('idempotency-key')).toBe(attempts[0]?.headers.get('idempotency-key'))
    expect(attempts[1]?.body).toBe(attempts[0]?.body)
    const tasks = await unwrap(tl.GET('/v1/projects/{projectId}/tasks', { params: { path } }))
    expect(tasks.data.map((t) => t.id)).toEqual([created.id])
  })

  test('a POST is not retried more than maxRetries times: the last ConnectionError reaches the caller', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken, maxRetries: 1 })
    live.fault({ drop: 'before' }, { drop: 'before' })
    const result = await tl.POST('/v1/projects', { body: { name: 'x' } }).catch((e) => e)
    expect(result).toMatchObject({ code: 'connection_error' })
    expect(live.count('POST', '/v1/projects')).toBe(2)
    expect((await unwrap(tl.GET('/v1/projects'))).data).toEqual([])
  })

  test('a lost createApiKey answer is not retried (one key, a ConnectionError) while a lost createTask answer is', async () => {
    const live = await startLiveServer()
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken })
    // createApiKey declares no Idempotency-Key: a repeat would make a second key, so the SDK must not send one.
    live.fault({ drop: 'after' })
    const lost = await tl.POST('/v1/me/api-keys', { body: { name: 'deploy', scopes: ['read'] } }).catch((e) => e)
    expect(lost).toBeInstanceOf(ConnectionError)
    expect(lost).toMatchObject({ code: 'connection_error' })
    const attempts = live.requests.filter((r) => r.path === '/v1/me/api-keys')
    expect(attempts.map((r) => r.reachedServer)).toEqual([true])
    expect(attempts[0]?.headers.has('idempotency-key')).toBe(false)
    const keys = await unwrap(tl.GET('/v1/me/api-keys'))
    expect(keys.data.map((k) => k.name)).toEqual(['deploy'])

    // createTask declares it: the same lost answer is retried and replayed, one task.
    const path = { projectId: (await unwrap(tl.POST('/v1/projects', { body: { name: 'Live' } }))).id }
    live.fault({ drop: 'after' })
    const { data, response } = await tl.POST('/v1/projects/{projectId}/tasks', {
      params: { path },
      body: { title: 'A' },
    })
    expect(response.status).toBe(201)
    expect(response.headers.get('idempotent-replayed')).toBe('true')
    expect(live.count('POST', `/v1/projects/${path.projectId}/tasks`)).toBe(2)
    const tasks = await unwrap(tl.GET('/v1/projects/{projectId}/tasks', { params: { path } }))
    expect(tasks.data.map((t) => t.id)).toEqual([data?.id])
  })

  test('a lost signUp answer is not retried into 409 email_taken: the account exists and logs in', async () => {
    const live = await startLiveServer()
    const tl = live.sdk()
    const email = 'lost-answer@example.com'
    const password = 'a long enough test passphrase'
    live.fault({ drop: 'after' })
    const lost = await tl.POST('/v1/auth/signup', { body: { email, password, name: 'Lost' } }).catch((e) => e)
    expect(lost).toBeInstanceOf(ConnectionError)
    expect(live.count('POST', '/v1/auth/signup')).toBe(1)
    const session = await unwrap(tl.POST('/v1/auth/login', { body: { email, password } }))
    expect(session.user.email).toBe(email)
  })
})
