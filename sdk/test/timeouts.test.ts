import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AbortError, createTasklane, TimeoutError } from '@tasklane/sdk'
import { describe, expect, onTestFinished, test } from 'vitest'
import { createFakeServer } from './fake-server.js'
import { rejection, sdkOn } from './helpers.js'

const auth = { apiKey: 'tl_test_key' }

describe('time limits', () => {
  test('an attempt slower than timeout is retried; the last one throws TimeoutError', async () => {
    const s = createFakeServer()
    s.fault({ delayMs: 300 }, { delayMs: 300 })
    const tl = sdkOn(s, { ...auth, timeout: 50, maxRetries: 1 })
    const started = performance.now()
    const error = await rejection(tl.GET('/v1/me'))
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).code).toBe('timeout')
    expect(s.count('GET', '/v1/me')).toBe(2)
    expect(performance.now() - started).toBeLessThan(500) // two 300 ms answers would take 600
  })

  test('a slow first attempt that times out is followed by a successful retry', async () => {
    const s = createFakeServer()
    s.fault({ delayMs: 300 })
    const tl = sdkOn(s, { ...auth, timeout: 50 })
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
  })

  test('each request gets a fresh timer: a client created long ago still allows the full timeout', async () => {
    const s = createFakeServer()
    const tl = sdkOn(s, { ...auth, timeout: 200, maxRetries: 0 })
    await new Promise((r) => setTimeout(r, 250))
    s.fault({ delayMs: 100 })
    expect((await tl.GET('/v1/me')).response.status).toBe(200)
  })

  test('the deadline cuts an attempt short with TimeoutError, however long the per-attempt timeout', async () => {
    const s = createFakeServer()
    s.fault({ delayMs: 500 })
    const tl = sdkOn(s, { ...auth, deadline: 100, timeout: 10_000 })
    const started = performance.now()
    const error = await rejection(tl.GET('/v1/me'))
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).message).toMatch(/deadline/)
    expect(performance.now() - started).toBeLessThan(450) // the answer takes 500
    expect(s.count('GET', '/v1/me')).toBe(1)
  })

  test('a retry wait that would overrun the deadline is not started: the last answer is returned', async () => {
    const s = createFakeServer()
    s.fault({ status: 503, headers: { 'Retry-After': '1' } })
    const tl = sdkOn(s, { ...auth, deadline: 500 })
    const started = performance.now()
    const { error, response } = await tl.GET('/v1/me')
    expect(response.status).toBe(503)
    expect(error?.code).toBe('internal_error')
    expect(performance.now() - started).toBeLessThan(800) // the wait would be 1000
    expect(s.count('GET', '/v1/me')).toBe(1)
  })

  test('the deadline spans attempts: retries stop when it runs out', async () => {
    const s = createFakeServer()
    s.fault(...Array.from({ length: 20 }, () => ({ status: 503, delayMs: 40 })))
    const tl = sdkOn(s, { ...auth, maxRetries: 20, deadline: 250, backoff: { initialMs: 10, maxMs: 10 } })
    const started = performance.now()
    const result = await tl.GET('/v1/me').catch((error: unknown) => error)
    // Depending on where the clock stops: mid-attempt (TimeoutError) or before a wait (the last 503).
    if (result instanceof TimeoutError) expect(result.code).toBe('timeout')
    else expect((result as { response: Response }).response.status).toBe(503)
    expect(performance.now() - started).toBeLessThan(700) // 20 attempts would take 800+
    expect(s.count('GET', '/v1/me')).toBeLessThan(8)
  })

  test('a per-call deadline and timeout override the client defaults', async () => {
    const s = createFakeServer()
    s.fault({ delayMs: 200 })
    const tl = sdkOn(s, { ...auth, timeout: 10 })
    const { response } = await tl.GET('/v1/me', { timeout: 1000 })
    expect(response.status).toBe(200)
    s.fault({ delayMs: 200 })
    expect(await rejection(tl.GET('/v1/me', { deadline: 50, timeout: 1000 }))).toBeInstanceOf(TimeoutError)
  })

  test("the caller's signal aborts the call with AbortError and is never retried", async () => {
    const s = createFakeServer()
    s.fault({ delayMs: 300 }, { delayMs: 300 })
    const tl = sdkOn(s, auth)
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('user left')), 30)
    const error = await rejection(tl.GET('/v1/me', { signal: controller.signal }))
    expect(error).toBeInstanceOf(AbortError)
    expect((error as AbortError).cause).toEqual(new Error('user left'))
    expect(s.count('GET', '/v1/me')).toBe(1)
  })

  test('aborting during the wait between retries stops at once', async () => {
    const s = createFakeServer()
    s.fault({ status: 503, headers: { 'Retry-After': '5' } })
    const tl = sdkOn(s, auth)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const started = performance.now()
    expect(await rejection(tl.GET('/v1/me', { signal: controller.signal }))).toBeInstanceOf(AbortError)
    expect(performance.now() - started).toBeLessThan(500)
  })

  test('an already aborted signal sends nothing', async () => {
    const s = createFakeServer()
    const tl = sdkOn(s, auth)
    expect(await rejection(tl.GET('/v1/me', { signal: AbortSignal.abort() }))).toBeInstanceOf(AbortError)
    expect(s.requests).toHaveLength(0)
  })

  test('with the platform fetch a timeout also closes the connection on the wire', async () => {
    let closedAfter: number | undefined
    const started = performance.now()
    const server = createServer((req) => {
      // Never answers; records when the client gives up.
      req.socket.on('close', () => {
        closedAfter = performance.now() - started
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve(undefined)))
    })
    const tl = createTasklane({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
    const error = await rejection(tl.GET('/healthz', { timeout: 100, maxRetries: 0 }))
    expect(error).toBeInstanceOf(TimeoutError)
    await new Promise((r) => setTimeout(r, 100))
    expect(closedAfter).toBeGreaterThanOrEqual(90)
    expect(closedAfter).toBeLessThan(500)
  })
})
