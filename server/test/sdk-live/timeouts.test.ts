// The SDK's time limits and the caller's AbortSignal against the real server over real sockets: the slowness
// is injected by the network in front of the server, which also sees when the client closes the connection.
import { AbortError, TimeoutError } from '@tasklane/sdk'
import { describe, expect, test } from 'vitest'
import { startLiveServer } from './support/live.js'

describe('time limits against the live server', () => {
  test('each attempt slower than timeout is cut off on the wire and retried; the last one throws TimeoutError', async () => {
    const live = await startLiveServer()
    const tl = live.sdk({ timeout: 250, maxRetries: 1 })
    live.fault({ delayMs: 800 }, { delayMs: 800 })
    const started = performance.now()
    const error = await tl.GET('/readyz').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).code).toBe('timeout')
    expect(performance.now() - started).toBeLessThan(1200) // two full answers would take 1600
    await live.settled()
    const attempts = live.requests.filter((r) => r.path === '/readyz')
    expect(attempts).toHaveLength(2)
    for (const attempt of attempts) {
      expect(attempt.abandonedAfterMs).toBeGreaterThanOrEqual(150)
      expect(attempt.abandonedAfterMs).toBeLessThan(700)
      expect(attempt.reachedServer).toBe(false)
    }
  })

  test('a slow first attempt that times out is followed by a retry that the server answers', async () => {
    const live = await startLiveServer()
    // The timeout leaves the answered retry room on a loaded machine (the whole suite runs in parallel).
    const tl = live.sdk({ timeout: 1500 })
    live.fault({ delayMs: 4000 })
    const { data, response } = await tl.GET('/readyz')
    expect(response.status).toBe(200)
    expect(data?.status).toBe('ok')
    expect(live.count('GET', '/readyz')).toBe(2)
  })

  test('the deadline ends a call however long its per-attempt timeout', async () => {
    const live = await startLiveServer()
    const tl = live.sdk({ deadline: 150, timeout: 10_000 })
    live.fault({ delayMs: 600 })
    const started = performance.now()
    const error = await tl.GET('/readyz').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).message).toMatch(/deadline/)
    expect(performance.now() - started).toBeLessThan(500)
    expect(live.count('GET', '/readyz')).toBe(1)
    await live.settled()
    expect(live.requests[0]?.abandonedAfterMs).toBeLessThan(500)
  })

  test('the deadline spans attempts: timed-out retries stop when it runs out', async () => {
    const live = await startLiveServer()
    const tl = live.sdk({ deadline: 350, timeout: 100, maxRetries: 10 })
    live.fault(...Array.from({ length: 10 }, () => ({ delayMs: 300 })))
    const started = performance.now()
    const error = await tl.GET('/readyz').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(performance.now() - started).toBeLessThan(800)
    const attempts = live.count('GET', '/readyz')
    expect(attempts).toBeGreaterThanOrEqual(2)
    expect(attempts).toBeLessThanOrEqual(4)
  })

  test("the caller's signal aborts a slow call with AbortError, closes its connection and is not retried", async () => {
    const live = await startLiveServer()
    const tl = live.sdk()
    live.fault({ delayMs: 500 })
    const controller = new AbortController()
    // The caller gives up while the network holds the request: the call is slow, and the request is on the
    // wire. A fixed delay from the call's start would race the request's way there on a loaded machine.
    const held = live.nextRequest()
    const call = tl.GET('/readyz', { signal: controller.signal }).catch((e: unknown) => e)
    await held
    controller.abort(new Error('user left'))
    const error = await call
    expect(error).toBeInstanceOf(AbortError)
    expect((error as AbortError).cause).toEqual(new Error('user left'))
    await live.settled()
    expect(live.count('GET', '/readyz')).toBe(1)
    expect(live.requests[0]?.abandonedAfterMs).toBeLessThan(300)
    expect(live.requests[0]?.reachedServer).toBe(false)
  })

  test("aborting while the SDK waits out a real 429's Retry-After stops at once", async () => {
    const live = await startLiveServer({ RATE_LIMIT_DEFAULT: '1/60' })
    const user = await live.signUp()
    const tl = live.sdk({ accessToken: user.accessToken })
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 150)
    const started = performance.now()
    const error = await tl.GET('/v1/me', { signal: controller.signal }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AbortError)
    expect(performance.now() - started).toBeLessThan(1000) // the server asked for up to 60 s
    expect(live.count('GET', '/v1/me')).toBe(2)
  })

  test('an already aborted signal sends nothing', async () => {
    const live = await startLiveServer()
    const error = await live
      .sdk()
      .GET('/readyz', { signal: AbortSignal.abort() })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AbortError)
    expect(live.requests).toHaveLength(0)
  })
})
